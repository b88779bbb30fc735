// The reference milter of the benchmarks: built on libmilter, registers every callback and does no
// work in any of them, negotiates nothing (libmilter's defaults: every step sent and answered).
// It is what "a milter that does nothing" costs; mxpulse is measured against it.
//
// Usage: null_milter SOCKET   (SOCKET as libmilter spells it: unix:/path or inet:PORT@127.0.0.1)
#include <libmilter/mfapi.h>

#include <sys/stat.h>

#include <cstdio>

namespace {

sfsistat on_connect(SMFICTX*, char*, _SOCK_ADDR*) {
    return SMFIS_CONTINUE;
}
sfsistat on_helo(SMFICTX*, char*) {
    return SMFIS_CONTINUE;
}
sfsistat on_args(SMFICTX*, char**) {
    return SMFIS_CONTINUE;
}
sfsistat on_header(SMFICTX*, char*, char*) {
    return SMFIS_CONTINUE;
}
sfsistat on_step(SMFICTX*) {
    return SMFIS_CONTINUE;
}
sfsistat on_body(SMFICTX*, unsigned char*, size_t) {
    return SMFIS_CONTINUE;
}
sfsistat on_unknown(SMFICTX*, const char*) {
    return SMFIS_CONTINUE;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: null_milter SOCKET\n");
        return 2;
    }
    umask(0);  // the MTA runs as another user and must be able to connect to a unix socket
    smfiDesc desc{};
    desc.xxfi_name = const_cast<char*>("null");
    desc.xxfi_version = SMFI_VERSION;
    desc.xxfi_flags = SMFIF_ADDHDRS;
    desc.xxfi_connect = on_connect;
    desc.xxfi_helo = on_helo;
    desc.xxfi_envfrom = on_args;
    desc.xxfi_envrcpt = on_args;
    desc.xxfi_header = on_header;
    desc.xxfi_eoh = on_step;
    desc.xxfi_body = on_body;
    desc.xxfi_eom = on_step;
    desc.xxfi_abort = on_step;
    desc.xxfi_close = on_step;
    desc.xxfi_unknown = on_unknown;
    desc.xxfi_data = on_step;
    if (smfi_setconn(argv[1]) != MI_SUCCESS || smfi_register(desc) != MI_SUCCESS ||
        smfi_opensocket(1) != MI_SUCCESS) {
        std::fprintf(stderr, "null_milter: cannot listen on %s\n", argv[1]);
        return 1;
    }
    return smfi_main() == MI_SUCCESS ? 0 : 1;
}
