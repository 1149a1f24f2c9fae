/*
 * apps.h - the guest's apps, chosen with app=NAME on the command line.
 * An app returns 0 for a clean poweroff; anything else crashes the domain.
 */
#ifndef GUEST_APPS_H
#define GUEST_APPS_H

struct guest_app {
    const char *name;
    const char *summary;
    int (*main)(void);
};

const struct guest_app *app_find(const char *name);
void app_list_names(void);

#endif
