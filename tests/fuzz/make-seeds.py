#!/usr/bin/env python3
"""make-seeds.py - writes the hand-made seed inputs of each fuzz target into
tests/fuzz/<target>/corpus/ (seed-*; files the fuzzer found keep their hash
names beside them). Run from the repository root after changing a layout;
the ELF seeds copy the built test guests, so `make` first.

Each seed is a well-formed input reaching deep into its parser (a valid
config, a valid message stream, a valid hypercall), which the fuzzer then
mutates; a few are the known-bad cases the unit tests already pin."""
import os
import shutil
import struct

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def put(target, name, data):
    d = os.path.join(ROOT, 'tests', 'fuzz', target, 'corpus')
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, 'seed-' + name), 'wb') as f:
        f.write(data)


# ---- xenstore: byte 0 = mode (bit 0 Dom0, bits 1-3 chunk), then messages
XS = dict(DEBUG=0, DIRECTORY=1, READ=2, GET_PERMS=3, WATCH=4, UNWATCH=5,
          TRANSACTION_START=6, TRANSACTION_END=7, INTRODUCE=8, RELEASE=9,
          GET_DOMAIN_PATH=10, WRITE=11, MKDIR=12, RM=13, SET_PERMS=14,
          WATCH_EVENT=15, ERROR=16, IS_DOMAIN_INTRODUCED=17, RESUME=18,
          SET_TARGET=19, RESET_WATCHES=21, DIRECTORY_PART=22, CONTROL=0)


def xs(t, payload, req=1, tx=0):
    if isinstance(payload, str):
        payload = payload.encode()
    return struct.pack('<IIII', XS[t], req, tx, len(payload)) + payload


def xenstore():
    guest = (xs('WRITE', '/local/domain/5/a\0hello') + xs('READ', '/local/domain/5/a\0') +
             xs('DIRECTORY', '/local/domain/5\0') + xs('GET_PERMS', '/local/domain/5/a\0') +
             xs('WATCH', '/local/domain/5\0tok\0') + xs('MKDIR', '/local/domain/5/d\0') +
             xs('RM', '/local/domain/5/d\0') + xs('UNWATCH', '/local/domain/5\0tok\0'))
    put('xenstore', 'guest-basic', b'\x00' + guest)
    put('xenstore', 'guest-chunked', b'\x02' + guest)
    tx = (xs('TRANSACTION_START', '\0') + xs('WRITE', '/local/domain/5/t\0v', tx=1) +
          xs('READ', '/local/domain/5/t\0', tx=1) + xs('TRANSACTION_END', 'T\0', tx=1))
    put('xenstore', 'guest-transaction', b'\x00' + tx)
    hostile = (xs('WRITE', '/local/domain/0/secret\0mine') + xs('READ', '/local/domain/0/secret\0') +
               xs('SET_PERMS', '/local/domain/0/secret\0b5\0') + xs('RM', '/local/domain/0\0') +
               xs('WRITE', 'relative/path\0x') + xs('READ', '/local/domain/5/\0') +
               xs('WRITE', '/local/domain/5/' + 'x' * 3000 + '\0v') + xs('INTRODUCE', '9\0' + '1\0' + '3\0'))
    put('xenstore', 'guest-hostile', b'\x00' + hostile)
    put('xenstore', 'guest-oversized', b'\x00' + struct.pack('<IIII', XS['WRITE'], 1, 0, 5000) + b'A' * 64)
    dom0 = (xs('WRITE', '/local/domain/9/x\0y') + xs('SET_PERMS', '/local/domain/9\0n9\0r0\0') +
            xs('GET_DOMAIN_PATH', '9\0') + xs('IS_DOMAIN_INTRODUCED', '9\0') +
            xs('CONTROL', 'check\0') + xs('CONTROL', 'quota\0') + xs('DIRECTORY_PART', '/local/domain\0' + '0\0') +
            xs('RESET_WATCHES', '\0') + xs('RELEASE', '9\0') + xs('SET_TARGET', '9\0' + '1\0'))
    put('xenstore', 'dom0-basic', b'\x01' + dom0)


# ---- xl.cfg and device specs
def xlcfg():
    put('xlcfg', 'hello', open(os.path.join(ROOT, 'examples', 'hello.cfg'), 'rb').read())
    put('xlcfg', 'full', 'name = "full"\nmemory = 256\nvcpus = 4\nkernel = "/k"\n'
        'cmdline = "app=hello x=\\"y\\" \\x41"\ntype = "pvh"\non_crash = \'preserve\'\n'
        'uuid = "12345678-1234-1234-1234-123456789abc"; max_grant_frames = 0x10\n'
        'disk = [ \'target=/img,vdev=xvda,access=rw\', "phy:/dev/x,xvdb,r", ]\n'
        'vif = [ "mac=00:16:3e:00:00:01,bridge=br0,ip=10.0.0.2/24" ]  # tail\n')
    put('xlcfg', 'nested', 'name="n"\nkernel="k"\nx=[[[1,2],[3]],"a"]\nroot="/dev/xvda"\nextra="e"\n')


def device_spec():
    for i, s in enumerate(['target=/img/disk.raw', 'phy:/dev/vg/lv,xvda,w',
                           '/img,raw,xvdb1,ro', 'format=raw,vdev=xvdq,access=r,devtype=cdrom,target=/i',
                           'file:/x,qcow2,xvda,w', 'xvda', '268439552']):
        put('device_spec', 'disk-%d' % i, b'\x00' + s.encode())
    for i, s in enumerate(['mac=00:16:3e:12:34:56,bridge=xenbr0', 'bridge=tap:tap0,ip=10.1.2.3/16',
                           'vifname=v1,type=vif,model=e1000,script=x', 'mac=zz', '']):
        put('device_spec', 'vif-%d' % i, b'\x01' + s.encode())


def elf():
    for name in ['tests/guests/pvh-elf32', 'tests/guests/pvh-elf64-nophdr']:
        src = os.path.join(ROOT, 'build', name)
        if os.path.exists(src):
            put('elf', os.path.basename(name), open(src, 'rb').read())


# ---- hypercalls: byte 0, then calls of 1 + 5 * (1 + 8) bytes, then memory
ARG_KIND, RAW, SMALL = 1, 0, 6


def call(nr, *args):
    b = bytes([nr])
    args = list(args) + [(RAW, 0)] * (5 - len(args))
    for kind, v in args:
        b += bytes([kind]) + struct.pack('<Q', v & (2**64 - 1))
    return b


def hypercall():
    # xen_version(XENVER_version), console_io write from the arg area
    put('hypercall', 'version-console', bytes([1]) + call(17, (SMALL, 0), (RAW, 0)) +
        call(18, (SMALL, 0), (SMALL, 5), (ARG_KIND, 0)) + b'hello')
    # evtchn alloc_unbound {dom=DOMID_SELF, remote=2}, then send port 1, status
    evt = struct.pack('<HHI', 0x7ff0, 2, 0)
    put('hypercall', 'evtchn', bytes([2]) + call(32, (SMALL, 6), (ARG_KIND, 0)) +
        call(32, (SMALL, 4), (ARG_KIND, 0)) + call(32, (SMALL, 5), (ARG_KIND, 0)) + evt)
    # evtchn bind_interdomain {remote_dom=2, remote_port=1}
    put('hypercall', 'bind-interdomain', bytes([0]) + call(32, (SMALL, 1), (ARG_KIND, 0)) +
        struct.pack('<HHI', 2, 0, 1))
    # grant query_size / setup_table, memory_op add_to_physmap grant frame
    put('hypercall', 'grant', bytes([2]) + call(20, (SMALL, 6), (ARG_KIND, 0), (SMALL, 1)) +
        call(20, (SMALL, 2), (ARG_KIND, 0), (SMALL, 1)) +
        call(12, (SMALL, 7), (ARG_KIND, 0)) + struct.pack('<HHIQQ', 0x7ff0, 0, 1, 0, 0x500))
    # vcpu_op set_singleshot_timer, sched_op yield, hvm_op get_param, pointers off the map
    put('hypercall', 'vcpu-sched-hvm', bytes([0x84]) + call(24, (SMALL, 10), (SMALL, 0), (ARG_KIND, 0)) +
        call(29, (SMALL, 0)) + call(34, (SMALL, 1), (3, 0)) + call(32, (SMALL, 1), (4, 0)) +
        call(20, (SMALL, 6), (5, 0), (SMALL, 1)) + struct.pack('<QQ', 10**9, 0))


# ---- control: 64 bytes of grant entries, then (client, len16, packet)
def ctl(op, payload=b'', client=0):
    pkt = struct.pack('<IHHIi', 0x54434c58, 1, op, len(payload), 0) + payload
    return bytes([client]) + struct.pack('<H', len(pkt)) + pkt


def control():
    grants = b''
    for i in range(8):  # GTF_permit_access to Dom0, frames 0x100 + i, one read-only
        grants += struct.pack('<HHI', 1 | (4 if i == 3 else 0), 0, 0x100 + i)
    evt = lambda rd, rp, p: struct.pack('<IIII', rd, rp, p, 0)
    m = struct.pack('<IIIIQ', 5, 3, 0, 0, 0) + struct.pack('<64I', *([2, 3, 4] + [0] * 61))
    u = struct.pack('<II', 2, 0) + struct.pack('<64I', *([0, 1] + [0] * 62))
    cseg = b''.join(struct.pack('<IIHHHh', 5, 2 + i, 0, 16, i & 1, 0) for i in range(2))
    c = struct.pack('<II', 2, 0) + cseg + b'\0' * (16 * 62) + b'x' * 16
    put('control', 'basic', grants + ctl(1) + ctl(2) + ctl(9) + ctl(11) + ctl(4, struct.pack('<I', 5)) +
        ctl(14, evt(5, 0, 0)) + ctl(16, evt(0, 0, 1)) + ctl(17, evt(0, 0, 1), client=1) +
        ctl(21, evt(0, 0, 0)) + ctl(12, struct.pack('<IIQ', 5, 1, 7)))
    put('control', 'grants', grants + ctl(18, m) + ctl(19, u) + ctl(20, c) + ctl(18, m, client=2))
    put('control', 'garbage', grants + b'\x00\x05\x00ABCDE' + ctl(99) + ctl(10, struct.pack('<II', 5, 0)))


# ---- blkif: device byte, u64 sectors, u32 first ring index, then commands
# (0 produce, 1 bump req_prod, 2 answer, 3 scribble); see tests/fuzz/blkif/fuzz.c
BLK_RO, BLK_FLUSH, BLK_DISCARD, BLK_IND256 = 8, 16, 32, 64


def blk_dev(order, flags, sectors, start=0):
    return bytes([order | flags]) + struct.pack('<QI', sectors, start)


def blk_rw(op, sector, segs, rid=1):
    segs = list(segs)
    b = struct.pack('<BBHIQQ', op, len(segs), 0, 0, rid, sector)
    for gref, first, last in segs[:11]:
        b += struct.pack('<IBBH', gref, first, last, 0)
    return b.ljust(112, b'\0')


def blk_discard(sector, nr, flag=0, rid=2):
    return struct.pack('<BBHIQQQ', 5, flag, 0, 0, rid, sector, nr).ljust(112, b'\0')


def blk_indirect(op, sector, nsegs, grefs, rid=3):
    b = struct.pack('<BBHIQQHH', 6, op, nsegs, 0, rid, sector, 0, 0)
    b += struct.pack('<8I', *(list(grefs) + [0] * (8 - len(grefs))))
    return b.ljust(112, b'\0')


def blk_produce(*reqs):
    return bytes([0, len(reqs)]) + b''.join(reqs)


def blk_answer(n):
    return bytes([2, n])


def blkif():
    full = [(100 + i, 0, 7) for i in range(11)]
    ind_segs = b''.join(struct.pack('<IBBH', 200 + i, 0, 7, 0) for i in range(20))
    put('blkif', 'basic', blk_dev(0, BLK_FLUSH | BLK_DISCARD | BLK_IND256, 2048) +
        blk_produce(blk_rw(0, 8, full), blk_rw(1, 0, [(5, 3, 3)]), blk_rw(3, 0, [])) + blk_answer(3) +
        blk_produce(blk_discard(16, 64), blk_indirect(0, 100, 20, [9])) + ind_segs + blk_answer(2))
    put('blkif', 'wrap', blk_dev(0, 0, 1 << 20, 0xfffffff0) +
        blk_produce(*[blk_rw(i & 1, i * 8, [(i, 0, 7)], rid=i) for i in range(20)]) + blk_answer(20) +
        blk_produce(*[blk_rw(0, i, [(i, 1, 6)], rid=i) for i in range(20)]))
    put('blkif', 'req-prod-lies', blk_dev(1, 0, 64) + blk_produce(blk_rw(0, 0, [(1, 0, 0)])) +
        bytes([1]) + struct.pack('<I', 1000))
    put('blkif', 'overfull', blk_dev(0, 0, 4096) +
        blk_produce(*[blk_rw(0, i, [(i, 0, 0)], rid=i) for i in range(33)]))
    put('blkif', 'readonly-and-bad', blk_dev(0, BLK_RO | BLK_FLUSH | BLK_DISCARD | 0xc0, 100) +
        blk_produce(blk_rw(1, 0, [(1, 0, 7)]), blk_rw(0, 99, [(1, 0, 1)]), blk_rw(0, 0, [(1, 5, 4)]),
                    blk_rw(0, 0, [(1, 0, 8)]), blk_rw(0, 0, [(1 << 20, 0, 7)]), blk_rw(2, 0, [(1, 0, 7)]),
                    blk_rw(3, 0, [(1, 0, 7)]), blk_discard(0, 1), blk_rw(9, 0, []),
                    blk_indirect(0, 0, 2, [1]), blk_indirect(1, 0, 1, [1])) +
        struct.pack('<IBBH', 1, 0, 7, 0) * 2)
    put('blkif', 'scribble', blk_dev(0, 0, 64) + blk_produce(blk_rw(0, 0, [(1, 0, 7)])) +
        bytes([3, 0]) + blk_rw(1, 63, [(2, 0, 7)]) + blk_answer(1))


# ---- save_image: mode byte, then the stream (mode 0) or records for the
# writer (modes 1-3); see tests/fuzz/save_image/fuzz.c
def crc32c(data, crc=0):
    crc ^= 0xffffffff
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82f63b78 if crc & 1 else 0)
    return crc ^ 0xffffffff


def sr_record(rtype, body):
    h = struct.pack('<III', rtype, len(body), crc32c(body))
    return h + struct.pack('<I', crc32c(h)) + body + b'\0' * (-len(body) % 8)


def sr_image(records):
    h = b'XENOLSR\n' + struct.pack('<IIIII', 1, 0x01020304, 32, 4096, 0)
    out, chain, pages = h + struct.pack('<I', crc32c(h)), 0, 0
    for rtype, body in records:
        out += sr_record(rtype, body)
        chain = crc32c(struct.pack('<I', crc32c(body)), chain)
        if rtype == 2:
            pages += struct.unpack_from('<I', body)[0]
    return out + sr_record(5, struct.pack('<QQII', len(records), pages, chain, 0))


def sr_raw(rtype, body):
    return bytes([rtype - 1]) + struct.pack('<H', len(body)) + body


def sr_pages(*entries):
    return bytes([0x41, len(entries) - 1]) + b''.join(struct.pack('<Q', e) for e in entries)


def sr_xs(*kv):
    b = bytes([0x40, len(kv)])
    for k, v in kv:
        b += bytes([len(k)]) + k.encode() + bytes([len(v)]) + v.encode()
    return b


def save_image():
    fd16 = 4 << 2  # fd_size = 16 pages
    xs = sr_xs(('name', 'cnt'), ('data/k', 'v'), ('device/vbd/51712/state', '4'))
    recs = sr_raw(1, b'D' * 96) + sr_pages(0, 5 * 4096, 7 * 4096 | 1) + sr_raw(3, b'XDST' + b'\1' * 60) + xs
    put('save_image', 'written', bytes([1 | fd16]) + recs)
    put('save_image', 'written-callback-fails', bytes([1 | fd16 | 32]) + xs)
    put('save_image', 'bad-entries', bytes([1 | fd16]) + sr_pages(16 * 4096, 3, 4096) +
        sr_xs(('', 'empty path')) + bytes([0x80 | 6, 4, 0]) + b'junk')
    put('save_image', 'flipped', bytes([2 | fd16]) + struct.pack('<IB', 77, 0x10) + recs)
    put('save_image', 'end-forged', bytes([3 | fd16]) + bytes(8) + b'\1' + bytes(15) + recs)
    devices = (b'vbd 51712 vdev=xvda,access=rw,devtype=disk,discard,target=/img/a,b.img\n'
               b'vif 0 mac=00:16:3e:00:00:01,bridge=xenbr0,ip=10.0.0.2\n')
    put('save_image', 'devices', bytes([1 | fd16, 0x80 | 6]) + struct.pack('<H', len(devices)) + devices)
    put('save_image', 'devices-bad', bytes([1 | fd16, 0x80 | 6]) + struct.pack('<H', 21) +
        b'vbd 51728 vdev=xvda,\n')
    put('save_image', 'raw-image', bytes([0 | fd16]) +
        sr_image([(1, b'D' * 96), (2, struct.pack('<IIQ', 1, 0, 4096 | 1)), (4, struct.pack('<II', 4, 1) + b'namex')]))


xenstore()
xlcfg()
device_spec()
elf()
hypercall()
control()
blkif()
save_image()
