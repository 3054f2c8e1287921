#!/usr/bin/env python3
"""Walks the TFRecord framing of TensorBoard event files with the standard library only and counts what they hold.

For each file: records, records with a bad CRC, and per summary tag the number of scalar values (simple_value, or a
one-element float/double tensor) and of other values. Written independently of RunDashboard's C# reader, from the
TFRecord framing (uint64 length, masked CRC-32C of it, data, masked CRC-32C of the data) and protobuf's wire format.

usage: tfevents_count.py FILE... [--keep-scalars OUT]   (--keep-scalars writes the file-version record, every record
that holds a scalar and the first record of each other kind under 4 KB: a trim that keeps whole records byte for byte)
"""
import struct
import sys

def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
    return crc ^ 0xFFFFFFFF

def masked(data):
    c = crc32c(data)
    return (((c >> 15) | (c << 17)) + 0xA282EAD8) & 0xFFFFFFFF

assert crc32c(b"123456789") == 0xE3069283

def varint(buf, i):
    shift = result = 0
    while True:
        b = buf[i]; i += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, i
        shift += 7

def fields(buf):
    """(field number, wire type, value) of a protobuf message; length-delimited values as bytes."""
    i = 0
    while i < len(buf):
        key, i = varint(buf, i)
        num, wt = key >> 3, key & 7
        if wt == 0:
            v, i = varint(buf, i)
        elif wt == 1:
            v = buf[i:i + 8]; i += 8
        elif wt == 2:
            n, i = varint(buf, i)
            v = buf[i:i + n]; i += n
        elif wt == 5:
            v = buf[i:i + 4]; i += 4
        else:
            raise ValueError("wire type %d" % wt)
        yield num, wt, v

def records(path):
    with open(path, "rb") as f:
        data = f.read()
    off = 0
    while off < len(data):
        if off + 12 > len(data):
            yield off, None, "truncated header"; return
        (length,) = struct.unpack_from("<Q", data, off)
        (lcrc,) = struct.unpack_from("<I", data, off + 8)
        if masked(data[off:off + 8]) != lcrc:
            yield off, None, "bad length crc"; return
        end = off + 12 + length + 4
        if end > len(data):
            yield off, None, "truncated record"; return
        payload = data[off + 12:off + 12 + length]
        (dcrc,) = struct.unpack_from("<I", data, off + 12 + length)
        yield off, (data[off:end], payload), (None if masked(payload) == dcrc else "bad data crc")
        off = end

def tensor_scalar(t):
    dtype, dims, fvals, dvals, content = 0, [], [], [], b""
    for num, wt, v in fields(t):
        if num == 1: dtype = v
        elif num == 2:
            for n2, _, d in fields(v):
                if n2 == 2:
                    dims.append(dict((n3, x) for n3, _, x in fields(d)).get(1, 0))
        elif num == 4: content = v
        elif num == 5: fvals += [struct.unpack("<f", v)[0]] if wt == 5 else list(struct.unpack("<%df" % (len(v) // 4), v))
        elif num == 6: dvals += [struct.unpack("<d", v)[0]] if wt == 1 else list(struct.unpack("<%dd" % (len(v) // 8), v))
    count = 1
    for d in dims: count *= d
    if count != 1: return None
    if dtype == 1: return fvals[0] if fvals else (struct.unpack("<f", content[:4])[0] if len(content) >= 4 else None)
    if dtype == 2: return dvals[0] if dvals else (struct.unpack("<d", content[:8])[0] if len(content) >= 8 else None)
    return None

def main(argv):
    keep = None
    if "--keep-scalars" in argv:
        k = argv.index("--keep-scalars"); keep = argv[k + 1]; argv = argv[:k] + argv[k + 2:]
    kept = []
    for path in argv:
        total = bad = 0
        scalars, other, seen_kinds = {}, {}, set()
        for off, rec, problem in records(path):
            if rec is None:
                print("  %s at byte %d" % (problem, off)); break
            total += 1
            if problem:
                bad += 1; print("  %s at byte %d" % (problem, off)); continue
            raw, payload = rec
            ev = list(fields(payload))
            kind, has_scalar = None, False
            for num, _, v in ev:
                if num == 3: kind = "file_version"
                if num == 5:
                    kind = "summary"
                    for _, _, val in fields(v):
                        tag, plugin, value = "", "", None
                        parts = list(fields(val))
                        for n, wt, x in parts:
                            if n == 1: tag = x.decode()
                            if n == 9:
                                for n2, _, pd in fields(x):
                                    if n2 == 1: plugin = dict((a, b) for a, _, b in fields(pd)).get(1, b"").decode()
                        for n, wt, x in parts:
                            if n == 2: value = struct.unpack("<f", x)[0]
                            if n == 8 and plugin in ("", "scalars"): value = tensor_scalar(x)
                        if value is not None:
                            scalars[tag] = scalars.get(tag, 0) + 1; has_scalar = True
                        else:
                            other[tag] = other.get(tag, 0) + 1; kind = "summary:" + (plugin or "other")
                elif num in (4, 6, 7, 8, 9) and kind is None:
                    kind = "field%d" % num
            if kind == "file_version" or has_scalar or (kind not in seen_kinds and len(raw) < 4096):
                kept.append(raw)
            seen_kinds.add(kind)
        print("%s: %d records, %d with a bad data CRC" % (path, total, bad))
        for tag in sorted(scalars): print("  scalar %s: %d" % (tag, scalars[tag]))
        for tag in sorted(other): print("  other  %s: %d" % (tag, other[tag]))
    if keep:
        with open(keep, "wb") as f:
            f.write(b"".join(kept))
        print("kept %d records in %s" % (len(kept), keep))

if __name__ == "__main__":
    main(sys.argv[1:])
