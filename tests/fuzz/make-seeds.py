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


xenstore()
xlcfg()
device_spec()
elf()
hypercall()
control()
