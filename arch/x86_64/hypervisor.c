/*
 * hypervisor.c - whether this CPU runs under a hypervisor and which: the
 * CPUID hypervisor-present bit (leaf 1, ECX bit 31) and the vendor
 * signature of the hypervisor leaf 0x40000000 (EBX, ECX, EDX). Any
 * context.
 */
#include <string.h>
#include "arch/x86_64/cpu.h"

#define CPUID_1_ECX_HYPERVISOR (1u << 31)
#define CPUID_HV_VENDOR        0x40000000

bool cpu_hypervisor_signature(char sig[13])
{
	if (!(cpuid(1, 0).ecx & CPUID_1_ECX_HYPERVISOR)) {
		if (sig)
			memcpy(sig, "none", 5);
		return false;
	}
	if (!sig)
		return true;
	struct cpuid_regs r = cpuid(CPUID_HV_VENDOR, 0);
	memset(sig, 0, 13);
	memcpy(sig, &r.ebx, 4);
	memcpy(sig + 4, &r.ecx, 4);
	memcpy(sig + 8, &r.edx, 4);
	for (int i = 0; i < 12; i++)
		if (sig[i] && (sig[i] < 33 || sig[i] > 126))
			sig[i] = '_';
	if (!sig[0])
		memcpy(sig, "unknown", 8);
	return true;
}
