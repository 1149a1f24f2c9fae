/*
 * domain_json.h - `xl list -l` as JSON (yajl), shaped like Xen's xl: an
 * array with one object per domain,
 *   { "domid": 3,
 *     "config": { "c_info": { "type": "pvh", "name": "web", "uuid": "..." },
 *                 "b_info": { "max_vcpus": 4, "avail_vcpus": [0, 1],
 *                             "max_memkb": 131072, "target_memkb": 65536,
 *                             "kernel": "/k", "cmdline": "app=idle",
 *                             "sched_params": { "weight": 256, "cap": 0 } },
 *                 "disks": [ { "pdev_path": "/img", "vdev": "xvda",
 *                              "backend": "phy", "format": "raw",
 *                              "readwrite": 1, "is_cdrom": 0 } ],
 *                 "nics": [ { "devid": 0, "mac": "00:16:3e:..", "bridge": "xenbr0",
 *                             "ip": "10.0.0.2" } ],
 *                 "on_poweroff": "destroy", "on_reboot": "restart",
 *                 "on_crash": "destroy" },
 *     "state": { libxl_dominfo's names: "running", "blocked", "paused",
 *                "shutdown", "dying" (booleans), "shutdown_reason"
 *                ("poweroff", "reboot", "suspend", "crash", "watchdog",
 *                "soft_reset", or null), "current_memkb", "max_memkb",
 *                "cpu_time" (ns), "vcpu_max_id", "vcpu_online",
 *                "uptime" (s) } }
 * Xen's xl prints domid and config; "state" is ours: what libxl_dominfo
 * holds, so a script needs no second command. Keys with no value (a
 * domain without xenstore entries has no kernel path) are left out.
 * Pure: the caller gathers the values.
 */
#ifndef XL_DOMAIN_JSON_H
#define XL_DOMAIN_JSON_H

#include <stdbool.h>
#include <stdint.h>

#include "xenolith/control.h"

#define XL_JSON_MAX_DEVS 16

struct xl_json_disk {
    const char *pdev_path, *vdev, *backend;
    bool readwrite, cdrom;
};

struct xl_json_nic {
    uint32_t devid;
    const char *mac, *bridge, *ip;
};

struct xl_domain_view {
    const struct xlctl_dominfo *info;   /* domid, uuid, on_*, state */
    const char *name;                   /* as xenstore has it */
    const char *type;                   /* "pv", "pvh", NULL unknown */
    const char *kernel, *cmdline;       /* NULL unknown */
    uint32_t avail_vcpus;               /* bit i: vCPU i online per xenstore */
    uint64_t static_max_kib;            /* memory/static-max */
    uint64_t target_kib;                /* memory/target */
    uint32_t weight, cap;               /* sched-credit */
    uint64_t uptime_s;
    struct xl_json_disk disks[XL_JSON_MAX_DEVS];
    unsigned n_disks;
    struct xl_json_nic nics[XL_JSON_MAX_DEVS];
    unsigned n_nics;
};

/* The array for n views, pretty-printed as xl does, ending in a newline:
 * malloc'd text, or NULL (no memory). */
char *xl_domains_json(const struct xl_domain_view *views, unsigned n);

/* "destroy", "restart", "preserve"; "poweroff" ... for SHUTDOWN_*. */
const char *xl_json_action(uint8_t action);
const char *xl_shutdown_reason_name(uint32_t reason);

#endif
