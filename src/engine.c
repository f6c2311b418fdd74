/* engine.c — placeholder while the engine is assembled. */
#include "seqwatch.h"
const char *sw_version(void) { return SW_VERSION; }
