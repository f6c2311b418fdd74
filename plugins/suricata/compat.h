/* SPDX-License-Identifier: GPL-2.0-only
 *
 * compat.h — the calls whose form differs between Suricata releases, in one place.
 * Only Suricata 7.0 is supported and tested; an 8.0 variant (SCPlugin version field,
 * the SC* renames, the OutputPacketLoggerFunctions struct) is not written yet, so a
 * build against 8.0 headers stops here with a clear message.
 */
#ifndef SW_SURICATA_COMPAT_H
#define SW_SURICATA_COMPAT_H

#if defined(SC_PACKAGE_VERSION)
#error "seqwatch-suricata: Suricata 8 headers found; this plugin supports Suricata 7.0 only (see docs/suricata.md)"
#endif

#ifndef SW_SURICATA_BUILD
#define SW_SURICATA_BUILD "an unknown Suricata build"
#endif

/* 7.0: the EVE writer takes only the builder and the thread context. */
#define SW_OUTPUT_JSON_BUFFER(tv, p, jb, ctx) OutputJsonBuilderBuffer((jb), (ctx))

/* 7.0: no user logger id; LOGGER_UNDEFINED is only used by profiling builds
 * (bounds-checked) for packet loggers. */
#define SW_REGISTER_PACKET_SUBMODULE(parent, name, conf, init, log, cond, tinit, tdeinit)   \
    OutputRegisterPacketSubModule(LOGGER_UNDEFINED, (parent), (name), (conf), (init), (log), \
                                  (cond), (tinit), (tdeinit), NULL)

/* The running binary's version string, for the self-test's message. */
#define PROG_VER GetProgramVersion()
const char *GetProgramVersion(void);

#endif
