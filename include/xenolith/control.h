/*
 * control.h - the Dom0 control protocol: how xl, the domain builder and the
 * Dom0 services drive the hypervisor daemon (Xenolith's privcmd/domctl).
 *
 * Transport: a SOCK_SEQPACKET Unix socket, $XENOLITH_RUNDIR/xenolith.sock,
 * mode 0600. Only root or the daemon's own uid may connect (SO_PEERCRED).
 * Each request is one packet: struct xlctl_hdr followed by hdr.len payload
 * bytes. Each reply is one packet: struct xlctl_hdr (same op, status = 0 or
 * -errno) followed by the OUT payload; a reply that carries a file
 * descriptor sends it as SCM_RIGHTS ancillary data on that packet.
 * Requests on one connection are answered in order; DOMAIN_WAIT holds its
 * reply until the event happens, so a waiter uses its own connection.
 *
 * A request with a bad magic, version, length or op gets a reply with
 * status -EBADMSG / -EPROTO / -EINVAL / -ENOSYS; the connection stays open.
 * All integers are host-endian (the socket never leaves the host); all
 * structs are fixed-size and padded to 8 bytes.
 */
#ifndef XENOLITH_CONTROL_H
#define XENOLITH_CONTROL_H

#include <stdint.h>

#define XLCTL_MAGIC        0x54434c58u /* "XLCT" little-endian */
#define XLCTL_VERSION      2u  /* 2: dominfo grew (vcpus_online, max/built memory) */
#define XLCTL_MAX_PAYLOAD  (256u * 1024u)
#define XLCTL_SOCKET_NAME  "xenolith.sock"
#define XLCTL_NAME_MAX     64u  /* domain name buffer, NUL included */

struct xlctl_hdr {
    uint32_t magic;    /* XLCTL_MAGIC */
    uint16_t version;  /* XLCTL_VERSION */
    uint16_t op;       /* enum xlctl_op */
    uint32_t len;      /* payload bytes following the header */
    int32_t  status;   /* request: 0; reply: 0 or -errno */
};
_Static_assert(sizeof(struct xlctl_hdr) == 16, "xlctl_hdr size");

enum xlctl_op {
    /* IN: none. OUT: struct xlctl_ping_out. */
    XLCTL_OP_PING = 1,
    /* IN: none. OUT: struct xlctl_physinfo. */
    XLCTL_OP_PHYSINFO = 2,
    /*
     * IN: struct xlctl_domain_create. OUT: struct xlctl_domain_created.
     * Creates a paused domain with its memory, vCPUs and special pages; the
     * builder then maps its memory, loads it and sets the boot vCPU.
     * Errors: -EEXIST name in use; -EINVAL bad name/vcpus/memory/max_grant_frames;
     * -ENOMEM more memory than the host can give; -ENOSPC no free domid.
     */
    XLCTL_OP_DOMAIN_CREATE = 3,
    /*
     * IN: struct xlctl_domid. OUT: struct xlctl_memory_layout + the domain's
     * memory fd (SCM_RIGHTS): the foreign mapping of the whole guest.
     * Errors: -ESRCH no such domain; -EPERM domain 0.
     */
    XLCTL_OP_DOMAIN_MAP_MEMORY = 4,
    /*
     * IN: struct xlctl_boot. Sets the boot vCPU's registers for one of the
     * two entry paths. Only while the domain has never run (-EBUSY).
     */
    XLCTL_OP_DOMAIN_SET_BOOT = 5,
    /* IN: struct xlctl_domid. Run / stop the domain's vCPUs. */
    XLCTL_OP_DOMAIN_UNPAUSE = 6,
    XLCTL_OP_DOMAIN_PAUSE = 7,
    /* IN: struct xlctl_domid. Stops and frees the domain. */
    XLCTL_OP_DOMAIN_DESTROY = 8,
    /*
     * IN: none, or struct xlctl_domid for one domain. OUT: an array of
     * struct xlctl_dominfo for the guest domains in domid order (Dom0, the
     * host, is not in it; xl prints its row from PHYSINFO).
     */
    XLCTL_OP_DOMAIN_LIST = 9,
    /*
     * IN: struct xlctl_domain_wait. OUT: struct xlctl_dominfo. Answers when
     * the domain is shut down (any reason), or is gone (-ESRCH), or at once
     * if it already is.
     */
    XLCTL_OP_DOMAIN_WAIT = 10,
    /* IN: none. OUT: the hypervisor log ring as text (xl dmesg). */
    XLCTL_OP_DMESG = 11,
    /* IN: struct xlctl_hvm_param. Sets one HVM param of a domain. */
    XLCTL_OP_SET_HVM_PARAM = 12,
    /* IN: none. Destroys every domain and stops the daemon after replying. */
    XLCTL_OP_DAEMON_STOP = 13,
    /*
     * Event channels for Dom0 processes (like /dev/xen/evtchn). Ports
     * belong to the connection that made them and close with it. A port
     * that can fire comes with an eventfd (SCM_RIGHTS) that is signalled
     * each time the guest sends on it: poll it, read it to consume.
     * ALLOC_UNBOUND  IN: xlctl_evtchn (remote_dom). OUT: xlctl_evtchn (port) + fd.
     * BIND_INTERDOMAIN IN: xlctl_evtchn (remote_dom, remote_port).
     *                OUT: xlctl_evtchn (port) + fd.
     * NOTIFY, CLOSE  IN: xlctl_evtchn (port).
     * Errors as EVTCHNOP_* on Xen (-EINVAL, -ESRCH, -ENOSPC).
     */
    XLCTL_OP_EVTCHN_ALLOC_UNBOUND = 14,
    XLCTL_OP_EVTCHN_BIND_INTERDOMAIN = 15,
    XLCTL_OP_EVTCHN_NOTIFY = 16,
    XLCTL_OP_EVTCHN_CLOSE = 17,
    /*
     * Grant maps for Dom0 processes (like /dev/xen/gntdev). The daemon
     * checks and flags each guest grant entry exactly as Xen does
     * (GTF_reading, plus GTF_writing for a writable map) and answers, per
     * ref, a GNTST_* status, a handle and the page's offset in the
     * domain's memory fd; the caller mmaps that offset (PROT_READ for a
     * read-only map). The fd itself (SCM_RIGHTS) comes with a reply only
     * when the request's mem_id is not the domain's: a client keeps it per
     * domain and sends its mem_id back. Handles belong to the connection
     * that made them: closing it unmaps them all. A handle whose domain
     * was destroyed unmaps to GNTST_okay (the pages live as long as the
     * client's mmap, never beyond, never reused while mapped).
     * GNTTAB_MAP    IN: xlctl_gnttab_map. OUT: xlctl_gnttab_map_out (+ fd).
     *               Per ref: GNTST_okay, bad_domain (no such guest),
     *               bad_gntref (ref past the table), general_error (not
     *               granted to Dom0, read-only grant mapped writable,
     *               guest racing), bad_page, no_device_space (handles).
     * GNTTAB_UNMAP  IN: xlctl_gnttab_unmap. OUT: xlctl_gnttab_unmap_out
     *               (GNTST_okay or bad_handle per handle). Unmap the pages
     *               (munmap) first: the guest may reuse them at once.
     * GNTTAB_COPY   IN: xlctl_gnttab_copy + the bytes of each TO_GUEST
     *               segment. OUT: xlctl_gnttab_copy (statuses) + the bytes
     *               of each FROM_GUEST segment (zero where it failed).
     *               The daemon copies (GNTTABOP_copy for Dom0): the
     *               caller never maps the guest. Per segment as MAP, and
     *               bad_copy_arg when offset + len passes the page.
     * All three: -EINVAL for a count of 0 or above XLCTL_GNTTAB_BATCH or a
     * COPY whose byte counts do not match its segments.
     */
    XLCTL_OP_GNTTAB_MAP = 18,
    XLCTL_OP_GNTTAB_UNMAP = 19,
    XLCTL_OP_GNTTAB_COPY = 20,
    /*
     * IN: xlctl_evtchn (remote_port = the VIRQ). OUT: xlctl_evtchn (port)
     * + notify fd + kick fd. A Dom0 port bound to a global VIRQ, which
     * Dom0 owns (xen-abi.md 4.5): VIRQ_DOM_EXC fires when any domain shuts
     * down or is destroyed, as xenstored uses it on Xen. -EINVAL for a
     * per-vCPU VIRQ, -EEXIST when Dom0 has bound it already.
     */
    XLCTL_OP_EVTCHN_BIND_VIRQ = 21,
    /*
     * Save, restore and migration (docs/save-format.md). The state blob
     * is include/xenolith/domstate.h.
     * GET_STATE  IN: xlctl_domid. OUT: the blob. The domain must not run:
     *            paused, or shut down with SHUTDOWN_suspend (-EBUSY).
     * SET_STATE  IN: xlctl_domid + the blob. A domain that has never run (-EBUSY) and
     *            has the blob's vCPU count (-EINVAL) takes the blob's vCPU
     *            registers, timers, event channels, grant-table size,
     *            physmap and HVM params; it stays paused. Its memory must
     *            be loaded first (the physmap moves pages). -EINVAL for a
     *            malformed blob, with nothing applied; a refusal's reason
     *            comes back as the payload (a NUL-terminated line).
     * RESUME     IN: xlctl_domid. A domain shut down with SHUTDOWN_suspend
     *            goes back to paused, its SCHEDOP_shutdown returning 1
     *            ("cancelled": same domain, connections intact), as Xen's
     *            xc_domain_resume(fast). -EINVAL if not suspended.
     * DIRTY_LOG  IN: xlctl_dirty_log. ENABLE / DISABLE KVM dirty logging
     *            of the domain's RAM; FETCH answers a bitmap of RAM pages
     *            written since the last FETCH (or ENABLE), bit i = page i
     *            of the memory fd (low RAM, then high RAM), and clears it.
     *            -E2BIG when the bitmap passes XLCTL_MAX_PAYLOAD,
     *            -ENOTSUP when KVM refuses dirty logging.
     */
    XLCTL_OP_DOMAIN_GET_STATE = 22,
    XLCTL_OP_DOMAIN_SET_STATE = 23,
    XLCTL_OP_DOMAIN_RESUME = 24,
    XLCTL_OP_DOMAIN_DIRTY_LOG = 25,
    /*
     * IN: struct xlctl_domain_rename. Renames a guest (the name the
     * hypervisor keeps, its console log follows). The toolstack updates
     * xenstore's copies (xl rename). Errors: -ESRCH, -EINVAL bad name
     * (rules as DOMAIN_CREATE), -EEXIST another domain has it.
     */
    XLCTL_OP_DOMAIN_RENAME = 26,
    /*
     * IN: struct xlctl_domid. OUT: one struct xlctl_vcpuinfo per vCPU of
     * the domain, in vCPU order (xl vcpu-list). -ESRCH; -EPERM for Dom0.
     */
    XLCTL_OP_VCPU_LIST = 27,
    /*
     * IN: struct xlctl_vcpu_affinity. Sets the hard affinity of one vCPU
     * thread (or of all, vcpu = XLCTL_VCPU_ALL) with sched_setaffinity:
     * the host scheduler runs it only on those CPUs. Errors: -ESRCH, -ENOENT
     * no such vCPU, -EINVAL empty map or no CPU of it online (nothing
     * changed for any vCPU).
     */
    XLCTL_OP_VCPU_SET_AFFINITY = 28,
    /*
     * IN: struct xlctl_domain_maxmem. The domain's maximum reservation:
     * XENMEM_populate_physmap / increase_reservation stop there (xl
     * mem-max, and mem-set's enforcement as libxl does it). A domain may
     * hold more than a lowered maximum until it balloons down. Errors:
     * -ESRCH; -EINVAL 0 or not a multiple of 4 KiB; -E2BIG above the RAM
     * the domain was built with (its memory cannot grow past that).
     */
    XLCTL_OP_DOMAIN_SET_MAXMEM = 29,
    /*
     * IN: struct xlctl_sched_credit (flags say what to set; 0 = get).
     * OUT: struct xlctl_sched_credit (the values now). Xen's credit weight
     * and cap mapped onto the domain's vCPU threads in a CPU cgroup of
     * their own (docs/xl.md): cgroup v2 cpu.weight / cpu.max, else
     * cgroup v1 cpu.shares / cpu.cfs_quota_us. Errors: -ESRCH; -EINVAL
     * weight outside 1..65535 or cap outside 0..100*vCPUs; -EOPNOTSUPP no
     * CPU controller this daemon may use: the reply's payload is then the
     * reason as a NUL-terminated string.
     */
    XLCTL_OP_SCHED_CREDIT = 30,
    /*
     * IN: struct xlctl_domain_shutdown. Shuts the domain down with the
     * given SHUTDOWN_* reason as if it had asked (Xen's
     * SCHEDOP_remote_shutdown): its on_* action follows. For guests that
     * do not answer control/shutdown (xl shutdown -F). -ESRCH; -EINVAL a
     * reason above SHUTDOWN_MAX or a domain already shut down or dying.
     */
    XLCTL_OP_DOMAIN_SHUTDOWN = 31,
    XLCTL_OP_COUNT
};

#define XLCTL_GNTTAB_BATCH      64u  /* refs, handles or segments per request */
#define XLCTL_GNTTAB_MAX_FRAMES 64u  /* grant frames a domain may have, at most */
#define XLCTL_GNTMAP_READONLY   1u   /* xlctl_gnttab_map.flags */
#define XLCTL_GNTCOPY_TO_GUEST  1u   /* xlctl_gnttab_copy_seg.flags; else from */

struct xlctl_gnttab_map {
    uint32_t domid;           /* the granting guest */
    uint32_t count;           /* refs used, 1 .. XLCTL_GNTTAB_BATCH */
    uint32_t flags;           /* XLCTL_GNTMAP_READONLY: every ref read-only */
    uint32_t pad;
    uint64_t mem_id;          /* the caller's fd for domid is of this id; 0 none */
    uint32_t refs[XLCTL_GNTTAB_BATCH];
};

struct xlctl_gnttab_map_slot {
    int16_t  status;          /* GNTST_* */
    uint16_t pad;
    uint32_t handle;          /* for GNTTAB_UNMAP, if status is GNTST_okay */
    uint64_t offset;          /* of the granted page in the domain's memory fd */
};

struct xlctl_gnttab_map_out {
    uint64_t mem_id;          /* the domain's memory id (never 0) */
    uint64_t fd_size;         /* bytes of its memory fd */
    struct xlctl_gnttab_map_slot slot[XLCTL_GNTTAB_BATCH];
};

struct xlctl_gnttab_unmap {
    uint32_t count;           /* 1 .. XLCTL_GNTTAB_BATCH */
    uint32_t pad;
    uint32_t handles[XLCTL_GNTTAB_BATCH];
};

struct xlctl_gnttab_unmap_out {
    int16_t status[XLCTL_GNTTAB_BATCH];
};

struct xlctl_gnttab_copy_seg {
    uint32_t domid;           /* the granting guest */
    uint32_t ref;
    uint16_t offset;          /* in the granted page */
    uint16_t len;             /* offset + len <= 4096, else bad_copy_arg */
    uint16_t flags;           /* XLCTL_GNTCOPY_TO_GUEST */
    int16_t  status;          /* OUT: GNTST_* */
};

struct xlctl_gnttab_copy {
    uint32_t count;           /* segments used, 1 .. XLCTL_GNTTAB_BATCH */
    uint32_t pad;
    struct xlctl_gnttab_copy_seg seg[XLCTL_GNTTAB_BATCH];
};

struct xlctl_evtchn {
    uint32_t remote_dom;
    uint32_t remote_port;
    uint32_t port;            /* Dom0's local port */
    uint32_t pad;
};

struct xlctl_ping_out {
    uint32_t protocol_version;
    uint32_t pid;
    uint32_t nr_domains;      /* guest domains, Dom0 not counted */
    uint32_t kvm_pvm;         /* 1 if /dev/kvm is kvm_pvm */
};

struct xlctl_physinfo {
    uint32_t nr_cpus;
    uint32_t threads_per_core;
    uint64_t total_kib;       /* host MemTotal */
    uint64_t free_kib;        /* host MemAvailable less what domains hold */
    uint64_t tsc_khz;
    uint32_t xen_major, xen_minor;
    uint32_t kvm_pvm;
    uint32_t pad;
    char     capabilities[128];
    char     extraversion[16];
};

enum xlctl_action {          /* on_poweroff / on_reboot / on_crash */
    XLCTL_ACTION_DESTROY = 0,
    XLCTL_ACTION_RESTART = 1,
    XLCTL_ACTION_PRESERVE = 2,
};

/*
 * The action for a shutdown reason (SHUTDOWN_* from xen/sched.h): one
 * definition for the daemon, which destroys or preserves, and xl's
 * monitor, which restarts.
 */
static inline uint8_t xlctl_shutdown_action(uint32_t reason, uint8_t on_poweroff,
                                            uint8_t on_reboot, uint8_t on_crash)
{
    switch (reason) {
    case 0: /* SHUTDOWN_poweroff */
        return on_poweroff;
    case 1: /* SHUTDOWN_reboot */
        return on_reboot;
    case 2: /* SHUTDOWN_suspend: kept for the toolstack to save */
        return XLCTL_ACTION_PRESERVE;
    default: /* crash, watchdog, soft_reset */
        return on_crash;
    }
}

struct xlctl_domain_create {
    char     name[XLCTL_NAME_MAX];
    uint8_t  uuid[16];
    uint64_t memory_kib;      /* RAM, a multiple of 4 KiB */
    uint32_t vcpus;           /* 1 .. XLCTL_MAX_VCPUS */
    uint8_t  on_poweroff, on_reboot, on_crash; /* enum xlctl_action */
    uint8_t  pad;
    uint32_t max_grant_frames; /* 0: XLCTL_GNTTAB_MAX_FRAMES; else 1 .. that */
    uint32_t pad2;
};
#define XLCTL_MAX_VCPUS 32u   /* vcpu_info slots in shared_info */

struct xlctl_domid {
    uint32_t domid;
    uint32_t pad;
};

/* The new domain and the event channels its builder allocated (unbound,
 * for Dom0): what the toolstack introduces to xenstored and the console
 * backend, as Xen's HVM_PARAM_STORE_EVTCHN / CONSOLE_EVTCHN. */
struct xlctl_domain_created {
    uint32_t domid;
    uint32_t store_evtchn;
    uint32_t console_evtchn;
    uint32_t pad;
};

struct xlctl_memory_layout {
    uint64_t low_bytes;       /* RAM at GPA 0, in the fd from offset 0 */
    uint64_t high_bytes;      /* RAM at GPA 4 GiB, fd offset low_bytes */
    uint64_t special_offset;  /* fd offset of the XL_SPECIAL_PAGES pages */
    uint64_t fd_size;         /* total bytes of the fd */
};

enum xlctl_boot_mode {
    XLCTL_BOOT_PV64 = 1,      /* XEN_ELFNOTE_ENTRY, long mode (boot.h) */
    XLCTL_BOOT_PVH32 = 2,     /* XEN_ELFNOTE_PHYS32_ENTRY, EBX = start info */
};

struct xlctl_boot {
    uint32_t domid;
    uint32_t mode;            /* enum xlctl_boot_mode */
    uint64_t entry;           /* RIP */
    uint64_t stack;           /* RSP (PV64 only) */
    uint64_t cr3;             /* PV64: builder page tables */
    uint64_t start_info;      /* PV64: RSI; PVH32: EBX */
};

enum xlctl_state {
    XLCTL_STATE_PAUSED = 1,   /* created or paused */
    XLCTL_STATE_RUNNING = 2,
    XLCTL_STATE_SHUTDOWN = 3, /* shutdown_reason says why (crash = crashed) */
    XLCTL_STATE_DYING = 4,
};

struct xlctl_dominfo {
    uint32_t domid;
    uint32_t state;           /* enum xlctl_state */
    uint32_t shutdown_reason; /* SHUTDOWN_* when state is SHUTDOWN */
    uint32_t shutdown_code;   /* latched by SCHEDOP_shutdown_code, or ~0 */
    uint32_t vcpus;
    uint32_t vcpus_blocked;   /* online vCPUs waiting for an event (hlt, SCHEDOP_block) */
    uint64_t memory_kib;      /* RAM the domain holds now (less what it ballooned out) */
    uint64_t cpu_time_ns;     /* sum over vCPU threads */
    uint64_t create_time_ns;  /* CLOCK_REALTIME at creation */
    char     name[XLCTL_NAME_MAX];
    uint8_t  uuid[16];
    uint8_t  on_poweroff, on_reboot, on_crash;
    uint8_t  pad[5];
    uint32_t vcpus_online;    /* vCPUs up (VCPUOP_up'd and not down) */
    uint32_t pad2;
    uint64_t max_memory_kib;  /* maximum reservation (DOMAIN_SET_MAXMEM) */
    uint64_t built_memory_kib; /* RAM the domain was built with: the ceiling */
};

struct xlctl_domain_rename {
    uint32_t domid;
    uint32_t pad;
    char     name[XLCTL_NAME_MAX];
};

#define XLCTL_CPUMAP_WORDS 4u       /* host CPUs 0..255 */
#define XLCTL_VCPU_ALL     0xffffffffu

struct xlctl_vcpuinfo {
    uint32_t vcpu;
    uint8_t  online;              /* VCPUOP_up'd and not down */
    uint8_t  running;             /* in KVM_RUN, not blocked or parked */
    uint8_t  blocked;             /* in SCHEDOP_block, or idle in hlt */
    uint8_t  pad;
    int32_t  cpu;                 /* host CPU the thread last ran on, -1 if unknown */
    uint32_t tid;                 /* the vCPU thread's Linux thread id (taskset -p) */
    uint64_t cpu_time_ns;         /* the thread's CPU time */
    uint64_t affinity[XLCTL_CPUMAP_WORDS]; /* hard affinity, bit n = host CPU n */
};

struct xlctl_vcpu_affinity {
    uint32_t domid;
    uint32_t vcpu;                /* or XLCTL_VCPU_ALL */
    uint64_t cpumap[XLCTL_CPUMAP_WORDS];
};

struct xlctl_domain_maxmem {
    uint32_t domid;
    uint32_t pad;
    uint64_t max_kib;
};

#define XLCTL_SCHED_SET_WEIGHT 1u
#define XLCTL_SCHED_SET_CAP    2u
#define XLCTL_SCHED_WEIGHT_DEFAULT 256u   /* Xen's credit default */

struct xlctl_sched_credit {
    uint32_t domid;
    uint32_t flags;               /* IN: XLCTL_SCHED_SET_* */
    uint32_t weight;              /* 1..65535, Xen's default 256 */
    uint32_t cap;                 /* % of one CPU, 0 = none */
    char     mechanism[96];       /* OUT: e.g. "cgroup1 /sys/fs/cgroup/cpu/xenolith-42/d3" */
};

struct xlctl_domain_shutdown {
    uint32_t domid;
    uint32_t reason;              /* SHUTDOWN_* */
};

struct xlctl_domain_wait {
    uint32_t domid;
    uint32_t pad;
};

enum xlctl_dirty_log_op {
    XLCTL_DIRTY_ENABLE = 1,
    XLCTL_DIRTY_DISABLE = 2,
    XLCTL_DIRTY_FETCH = 3,
};

struct xlctl_dirty_log {
    uint32_t domid;
    uint32_t op;              /* enum xlctl_dirty_log_op */
};

struct xlctl_hvm_param {
    uint32_t domid;
    uint32_t index;
    uint64_t value;
};

_Static_assert(sizeof(struct xlctl_domain_create) % 8 == 0, "padding");
_Static_assert(sizeof(struct xlctl_dominfo) % 8 == 0, "padding");
_Static_assert(sizeof(struct xlctl_physinfo) % 8 == 0, "padding");
_Static_assert(sizeof(struct xlctl_gnttab_map) % 8 == 0, "padding");
_Static_assert(sizeof(struct xlctl_gnttab_map_out) % 8 == 0, "padding");
_Static_assert(sizeof(struct xlctl_gnttab_unmap) % 8 == 0, "padding");
_Static_assert(sizeof(struct xlctl_gnttab_unmap_out) % 8 == 0, "padding");
_Static_assert(sizeof(struct xlctl_gnttab_copy_seg) == 16, "copy segment size");
_Static_assert(sizeof(struct xlctl_gnttab_copy) % 8 == 0, "padding");
_Static_assert(sizeof(struct xlctl_domain_rename) % 8 == 0, "padding");
_Static_assert(sizeof(struct xlctl_vcpuinfo) % 8 == 0, "padding");
_Static_assert(sizeof(struct xlctl_vcpu_affinity) % 8 == 0, "padding");
_Static_assert(sizeof(struct xlctl_sched_credit) % 8 == 0, "padding");
_Static_assert(sizeof(struct xlctl_domain_shutdown) % 8 == 0, "padding");

#endif /* XENOLITH_CONTROL_H */
