/* SPDX-License-Identifier: GPL-2.0-only
 *
 * compat.h — the calls whose form differs between Suricata releases, in one place,
 * so seqwatch-suricata.c is one source for both supported releases:
 *
 *  - 7.0 (Debian 1:7.0.10): built, run and tested (tests/suricata).
 *  - 8.0 (Debian sid 1:8.0.7): built, link-checked against sid's binary
 *    (tests/suricata/link_check.sh) and run in it through a private sid userland
 *    (sid's loader and libraries; the binary needs libc6 >= 2.39), by the
 *    suricata8_* tests.
 *
 * The release is told by SC_PACKAGE_VERSION, which only 8.0's suricata-plugin.h
 * defines (include this after Suricata's headers). The plugin's source is written
 * with the 7.0 names; for 8.0 they are mapped here to the renamed ones.
 *
 * Registration in 8.0: SCPlugin carries the API version that RegisterPlugin checks
 * (SC_API_VERSION) and the version strings. The packet logger is still an eve-log
 * sub-module (OutputRegisterPacketSubModule with an OutputPacketLoggerFunctions
 * table): that is the one route by which a logger receives an eve-log output's
 * context, so `- seqwatch:` under eve-log types works the same in both releases and
 * the alerts go through that output's writer into its eve.json. Suricata itself
 * registers the logger with SCOutputRegisterPacketLogger when it sets the output up
 * (RunModeInitializeOutputs). A logger registered directly with
 * SCOutputRegisterPacketLogger from an SCRegisterOnLoggingReady callback gets no
 * eve-log context: the plugin uses that callback only to say when no eve-log output
 * enabled it (8.0 only; 7.0 has no such hook).
 */
#ifndef SW_SURICATA_COMPAT_H
#define SW_SURICATA_COMPAT_H

#include <stdbool.h>

#ifndef SW_SURICATA_BUILD
#define SW_SURICATA_BUILD "an unknown Suricata build"
#endif

/* The running binary's version string, for the self-test's message. */
#define PROG_VER GetProgramVersion()
const char *GetProgramVersion(void);

#if defined(SC_PACKAGE_VERSION) /* ---------------- Suricata 8.0 ---------------- */

#define SW_SURICATA_MAJOR 8

/* LiveDevice became opaque; the struct (dev first) is in the private header. */
#include "util-device-private.h"

/* configuration: the SC* renames */
#define ConfNode                 SCConfNode
#define ConfNodeLookupChild      SCConfNodeLookupChild
#define ConfNodeLookupChildValue SCConfNodeLookupChildValue
#define ConfValIsTrue            SCConfValIsTrue
#define ConfValIsFalse           SCConfValIsFalse
#define ConfGet                  SCConfGet
#define ConfGetBool              SCConfGetBool
#define ConfGetNode              SCConfGetNode

/* the JSON builder: the SCJb* renames */
#define JsonBuilder      SCJsonBuilder
#define jb_new_object    SCJbNewObject
#define jb_set_formatted SCJbSetFormatted
#define jb_free          SCJbFree

/* 8.0's writer also runs the EVE user callbacks (SCEveRegisterCallback) with the
 * packet and flow, and reports no error. */
#define SW_OUTPUT_JSON_BUFFER(tv, p, jb, ctx) \
    (OutputJsonBuilderBuffer((tv), (p), (p) ? (p)->flow : NULL, (jb), (ctx)), 0)

/* The condition returns bool. */
typedef bool SwCondResult;
#define SW_COND_TRUE true

/* 8.0 has a logger id for plugins (used by profiling builds only, for packet
 * loggers). The functions travel in a table. */
#define SW_REGISTER_PACKET_SUBMODULE(parent, name, conf, init, log, cond, tinit, tdeinit)         \
    do {                                                                                          \
        static OutputPacketLoggerFunctions sw_funcs_ = {.LogFunc = (log),                         \
                                                        .ConditionFunc = (cond),                  \
                                                        .ThreadInitFunc = (tinit),                \
                                                        .ThreadDeinitFunc = (tdeinit),            \
                                                        .ThreadExitPrintStatsFunc = NULL};        \
        OutputRegisterPacketSubModule(LOGGER_USER, (parent), (name), (conf), (init), &sw_funcs_); \
    } while (0)

/* After the outputs are set up (RunModeInitializeOutputs). */
#define SW_HAVE_LOGGING_READY 1

#else /* ------------------------------------------------ Suricata 7.0 ---------------- */

#define SW_SURICATA_MAJOR                     7

/* 7.0: the EVE writer takes only the builder and the thread context. */
#define SW_OUTPUT_JSON_BUFFER(tv, p, jb, ctx) OutputJsonBuilderBuffer((jb), (ctx))

typedef int SwCondResult;
#define SW_COND_TRUE                          TRUE

/* 7.0: no user logger id; LOGGER_UNDEFINED is only used by profiling builds
 * (bounds-checked) for packet loggers. */
#define SW_REGISTER_PACKET_SUBMODULE(parent, name, conf, init, log, cond, tinit, tdeinit)   \
    OutputRegisterPacketSubModule(LOGGER_UNDEFINED, (parent), (name), (conf), (init), (log), \
                                  (cond), (tinit), (tdeinit), NULL)

#define SW_HAVE_LOGGING_READY 0

#endif

#endif
