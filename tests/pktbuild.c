/* placeholder: implemented by the packet-builder work */
#include "pktbuild.h"
