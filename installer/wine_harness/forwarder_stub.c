/* TEST HARNESS ONLY: the empty body of a forwarding DLL (its exports are all forwarders). */
int __stdcall DllMainCRTStartup(void *module, unsigned long reason, void *reserved)
{
    (void)module; (void)reason; (void)reserved;
    return 1;
}
