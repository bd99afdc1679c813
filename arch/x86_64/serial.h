/* serial.h - COM1 console; serial_init on the boot CPU, once, first thing. */
#ifndef ARCH_X86_64_SERIAL_H
#define ARCH_X86_64_SERIAL_H
void serial_init(void);
#endif
