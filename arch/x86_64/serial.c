/*
 * serial.c - COM1 (16550 UART at I/O port 0x3f8), 115200 8N1, polled.
 * serial_init runs once on the boot CPU before anything prints; writes are
 * serialised by the console lock (kernel/console.c).
 * COM2 (0x2f8) is a second channel, apart from the console: the event
 * trace goes there (kernel/trace.c), so QEMU can put it in a file of its own.
 */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/serial.h"
#include "kernel/console.h"

#define COM1_BASE       0x3f8
#define COM2_BASE       0x2f8
#define UART_SCR        7   /* scratch register: absent UART reads 0xff */
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

static void uart_putc(uint16_t base, char c)
{
	for (int i = 0; i < UART_SPIN_MAX; i++)
		if (inb(base + UART_LSR) & UART_LSR_THRE)
			break;
	outb(base + UART_THR, (uint8_t)c);
}

static void serial_putc(char c)
{
	uart_putc(COM1_BASE, c);
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

static void uart_init(uint16_t base)
{
	uint16_t divisor = UART_CLOCK / SERIAL_BAUD;
	outb(base + UART_IER, 0);
	outb(base + UART_LCR, UART_LCR_DLAB);
	outb(base + UART_DLL, divisor & 0xff);
	outb(base + UART_DLM, divisor >> 8);
	outb(base + UART_LCR, UART_LCR_8N1);
	outb(base + UART_FCR, UART_FCR_ENABLE_CLEAR);
	outb(base + UART_MCR, UART_MCR_DTR_RTS_OUT2);
}

void serial_init(void)
{
	uart_init(COM1_BASE);
	console_register(&serial_console);
}

bool serial2_init(void)
{
	outb(COM2_BASE + UART_SCR, 0x5a);
	if (inb(COM2_BASE + UART_SCR) != 0x5a)
		return false;
	uart_init(COM2_BASE);
	return true;
}

void serial2_write(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		uart_putc(COM2_BASE, s[i]);
}
