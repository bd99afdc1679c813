/*
 * serial.c - COM1 (16550 UART at I/O port 0x3f8), 115200 8N1, polled.
 * serial_init runs once on the boot CPU before anything prints; writes are
 * serialised by the console lock (kernel/console.c).
 */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/serial.h"
#include "kernel/console.h"

#define COM1_BASE       0x3f8
#define UART_THR        0   /* transmit holding (DLAB=0) */
#define UART_DLL        0   /* divisor latch low (DLAB=1) */
#define UART_IER        1
#define UART_DLM        1   /* divisor latch high (DLAB=1) */
#define UART_FCR        2
#define UART_LCR        3
#define UART_MCR        4
#define UART_LSR        5
#define UART_LCR_8N1    0x03
#define UART_LCR_DLAB   0x80
#define UART_FCR_ENABLE_CLEAR 0x07
#define UART_MCR_DTR_RTS_OUT2 0x0b
#define UART_LSR_THRE   0x20
#define UART_CLOCK      115200
#define SERIAL_BAUD     115200
#define UART_SPIN_MAX   100000 /* give up on a dead UART rather than hang */

static void serial_putc(char c)
{
	for (int i = 0; i < UART_SPIN_MAX; i++)
		if (inb(COM1_BASE + UART_LSR) & UART_LSR_THRE)
			break;
	outb(COM1_BASE + UART_THR, (uint8_t)c);
}

static void serial_write(struct console *c, const char *s, size_t n)
{
	(void)c;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			serial_putc('\r');
		serial_putc(s[i]);
	}
}

static struct console serial_console = {
	.name = "serial", .kind = CONSOLE_SERIAL, .write = serial_write,
};

void serial_init(void)
{
	uint16_t divisor = UART_CLOCK / SERIAL_BAUD;
	outb(COM1_BASE + UART_IER, 0);
	outb(COM1_BASE + UART_LCR, UART_LCR_DLAB);
	outb(COM1_BASE + UART_DLL, divisor & 0xff);
	outb(COM1_BASE + UART_DLM, divisor >> 8);
	outb(COM1_BASE + UART_LCR, UART_LCR_8N1);
	outb(COM1_BASE + UART_FCR, UART_FCR_ENABLE_CLEAR);
	outb(COM1_BASE + UART_MCR, UART_MCR_DTR_RTS_OUT2);
	console_register(&serial_console);
}
