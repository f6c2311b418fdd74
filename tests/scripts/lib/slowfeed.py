#!/usr/bin/env python3
"""slowfeed.py — copy a classic pcap file to stdout slowly, so a test can act on a
`seqwatch run -r -` that is still reading: the global header, then the records,
sleeping DELAY seconds after every EVERY records, then keeping stdout open HOLD
seconds before closing it.

usage: slowfeed.py FILE.pcap EVERY DELAY HOLD
"""
import struct
import sys
import time


def main():
    path, every, delay, hold = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
    out = sys.stdout.buffer
    with open(path, "rb") as f:
        header = f.read(24)
        magic = header[:4]
        endian = "<" if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
        out.write(header)
        n = 0
        try:
            while True:
                rec = f.read(16)
                if len(rec) < 16:
                    break
                incl = struct.unpack(endian + "IIII", rec)[2]
                out.write(rec + f.read(incl))
                n += 1
                if n % every == 0:
                    out.flush()
                    time.sleep(delay)
            out.flush()
            time.sleep(hold)
        except BrokenPipeError:
            pass


if __name__ == "__main__":
    main()
