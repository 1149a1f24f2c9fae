/*
 * domain_json.c - xl list -l's JSON (see domain_json.h).
 */
#include "domain_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_gen.h>

const char *xl_json_action(uint8_t action)
{
    switch (action) {
    case XLCTL_ACTION_DESTROY:
        return "destroy";
    case XLCTL_ACTION_RESTART:
        return "restart";
    case XLCTL_ACTION_PRESERVE:
        return "preserve";
    default:
        return "unknown";
    }
}

const char *xl_shutdown_reason_name(uint32_t reason)
{
    static const char *names[] = {"poweroff", "reboot", "suspend", "crash", "watchdog", "soft_reset"};
    return reason < sizeof(names) / sizeof(names[0]) ? names[reason] : "unknown";
}

static void str(yajl_gen g, const char *s)
{
    yajl_gen_string(g, (const unsigned char *)s, strlen(s));
}

static void key_str(yajl_gen g, const char *k, const char *v)
{
    if (!v)
        return;
    str(g, k);
    str(g, v);
}

static void key_int(yajl_gen g, const char *k, long long v)
{
    str(g, k);
    yajl_gen_integer(g, v);
}

static void key_bool(yajl_gen g, const char *k, bool v)
{
    str(g, k);
    yajl_gen_bool(g, v);
}

static void uuid_text(const uint8_t *u, char out[37])
{
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
             u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12],
             u[13], u[14], u[15]);
}

static void c_info(yajl_gen g, const struct xl_domain_view *v)
{
    char uuid[37];
    uuid_text(v->info->uuid, uuid);
    str(g, "c_info");
    yajl_gen_map_open(g);
    key_str(g, "type", v->type);
    key_str(g, "name", v->name);
    key_str(g, "uuid", uuid);
    yajl_gen_map_close(g);
}

static void b_info(yajl_gen g, const struct xl_domain_view *v)
{
    str(g, "b_info");
    yajl_gen_map_open(g);
    key_int(g, "max_vcpus", v->info->vcpus);
    str(g, "avail_vcpus");
    yajl_gen_array_open(g);
    for (unsigned i = 0; i < v->info->vcpus && i < 32; i++)
        if (v->avail_vcpus >> i & 1)
            yajl_gen_integer(g, i);
    yajl_gen_array_close(g);
    key_int(g, "max_memkb", (long long)v->static_max_kib);
    key_int(g, "target_memkb", (long long)v->target_kib);
    str(g, "sched_params");
    yajl_gen_map_open(g);
    key_int(g, "weight", v->weight);
    key_int(g, "cap", v->cap);
    yajl_gen_map_close(g);
    key_str(g, "kernel", v->kernel);
    key_str(g, "cmdline", v->cmdline);
    yajl_gen_map_close(g);
}

static void devices(yajl_gen g, const struct xl_domain_view *v)
{
    str(g, "disks");
    yajl_gen_array_open(g);
    for (unsigned i = 0; i < v->n_disks; i++) {
        const struct xl_json_disk *d = &v->disks[i];
        yajl_gen_map_open(g);
        key_int(g, "backend_domid", 0);
        key_str(g, "pdev_path", d->pdev_path);
        key_str(g, "vdev", d->vdev);
        key_str(g, "backend", d->backend);
        key_str(g, "format", "raw");
        key_int(g, "readwrite", d->readwrite);
        key_int(g, "is_cdrom", d->cdrom);
        yajl_gen_map_close(g);
    }
    yajl_gen_array_close(g);
    str(g, "nics");
    yajl_gen_array_open(g);
    for (unsigned i = 0; i < v->n_nics; i++) {
        const struct xl_json_nic *n = &v->nics[i];
        yajl_gen_map_open(g);
        key_int(g, "backend_domid", 0);
        key_int(g, "devid", n->devid);
        key_str(g, "mac", n->mac);
        key_str(g, "bridge", n->bridge);
        key_str(g, "ip", n->ip);
        yajl_gen_map_close(g);
    }
    yajl_gen_array_close(g);
}

static void state(yajl_gen g, const struct xl_domain_view *v)
{
    const struct xlctl_dominfo *d = v->info;
    bool shut = d->state == XLCTL_STATE_SHUTDOWN;
    bool running = d->state == XLCTL_STATE_RUNNING;
    str(g, "state");
    yajl_gen_map_open(g);
    key_bool(g, "running", running && d->vcpus_blocked < d->vcpus_online);
    key_bool(g, "blocked", running && d->vcpus_blocked >= d->vcpus_online);
    key_bool(g, "paused", d->state == XLCTL_STATE_PAUSED);
    key_bool(g, "shutdown", shut);
    key_bool(g, "dying", d->state == XLCTL_STATE_DYING);
    str(g, "shutdown_reason");
    if (shut)
        str(g, xl_shutdown_reason_name(d->shutdown_reason));
    else
        yajl_gen_null(g);
    key_int(g, "current_memkb", (long long)d->memory_kib);
    key_int(g, "max_memkb", (long long)d->max_memory_kib);
    key_int(g, "cpu_time", (long long)d->cpu_time_ns);
    key_int(g, "vcpu_max_id", d->vcpus ? (long long)d->vcpus - 1 : 0);
    key_int(g, "vcpu_online", d->vcpus_online);
    key_int(g, "uptime", (long long)v->uptime_s);
    yajl_gen_map_close(g);
}

char *xl_domains_json(const struct xl_domain_view *views, unsigned n)
{
    yajl_gen g = yajl_gen_alloc(NULL);
    if (!g)
        return NULL;
    yajl_gen_config(g, yajl_gen_beautify, 1);
    yajl_gen_config(g, yajl_gen_indent_string, "    ");
    yajl_gen_array_open(g);
    for (unsigned i = 0; i < n; i++) {
        const struct xl_domain_view *v = &views[i];
        yajl_gen_map_open(g);
        key_int(g, "domid", v->info->domid);
        str(g, "config");
        yajl_gen_map_open(g);
        c_info(g, v);
        b_info(g, v);
        devices(g, v);
        key_str(g, "on_poweroff", xl_json_action(v->info->on_poweroff));
        key_str(g, "on_reboot", xl_json_action(v->info->on_reboot));
        key_str(g, "on_crash", xl_json_action(v->info->on_crash));
        yajl_gen_map_close(g);
        state(g, v);
        yajl_gen_map_close(g);
    }
    yajl_gen_array_close(g);
    const unsigned char *buf;
    size_t len;
    char *out = NULL;
    if (yajl_gen_get_buf(g, &buf, &len) == yajl_gen_status_ok && (out = malloc(len + 2))) {
        memcpy(out, buf, len);
        /* beautify ends the array with a newline already in yajl 2 */
        if (len == 0 || buf[len - 1] != '\n')
            out[len++] = '\n';
        out[len] = '\0';
    }
    yajl_gen_free(g);
    return out;
}
