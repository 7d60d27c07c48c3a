/* TEST HARNESS ONLY: never part of Transitions or its installer.
 *
 * Windows 10 and later have bcryptprimitives.dll with ProcessPrng, which Rust's standard library
 * (inside cryptography's _rust.pyd and rpds' extension) imports for random numbers. Wine 8 lacks
 * it, so the Wine smoke test builds this stand-in into the Wine prefix's system32. It fills the
 * buffer from RtlGenRandom (advapi32's SystemFunction036), which Wine implements from the
 * system's random source.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    while (length) {
        ULONG chunk = length > 0x40000000 ? 0x40000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
