/* plugin_probe.c — for link_check.sh: load a built plugin without Suricata (lazy
 * binding: none of Suricata's functions is called), call its SCPluginRegister and
 * print the registration as that release's SCPlugin lays it out:
 *   plugin_probe 7|8 PLUGIN.so
 * 7.0: {name, license, author, Init}; 8.0: {version, suricata_version, name,
 * plugin_version, license, author, Init} (suricata-plugin.h of each release). */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef struct {
    const char *name, *license, *author;
    void (*Init)(void);
} Plugin7;

typedef struct {
    uint64_t version;
    const char *suricata_version, *name, *plugin_version, *license, *author;
    void (*Init)(void);
} Plugin8;

int main(int argc, char **argv)
{
    if (argc != 3 || (strcmp(argv[1], "7") != 0 && strcmp(argv[1], "8") != 0)) {
        fprintf(stderr, "usage: plugin_probe 7|8 PLUGIN.so\n");
        return 2;
    }
    void *h = dlopen(argv[2], RTLD_LAZY | RTLD_LOCAL);
    if (!h) {
        fprintf(stderr, "dlopen: %s\n", dlerror());
        return 1;
    }
    void *sym = dlsym(h, "SCPluginRegister");
    if (!sym) {
        fprintf(stderr, "%s exports no SCPluginRegister\n", argv[2]);
        return 1;
    }
    const void *(*reg)(void);
    memcpy(&reg, &sym, sizeof reg);
    const void *r = reg();
    if (!r) {
        fprintf(stderr, "SCPluginRegister returned NULL\n");
        return 1;
    }
    if (argv[1][0] == '7') {
        const Plugin7 *p = r;
        printf("name=%s license=%s init=%d\n", p->name, p->license, p->Init != NULL);
    } else {
        const Plugin8 *p = r;
        printf("name=%s license=%s init=%d version=0x%llx suricata_version=%s plugin_version=%s\n",
               p->name, p->license, p->Init != NULL, (unsigned long long)p->version,
               p->suricata_version, p->plugin_version);
    }
    return 0;
}
