/* Bare-metal start-up for a Cortex-M4F (mps2-an386 under QEMU).
 *
 * Reset_Handler enables the FPU first (no C code runs before that, so the
 * compiler is free to use VFP registers anywhere), copies .data from its load
 * image in FLASH to RAM, zeroes .bss, calls main() and hands its return value
 * to exit(), whose _exit() (semihost.c) reports it to QEMU.
 */
    .syntax unified
    .cpu cortex-m4
    .fpu fpv4-sp-d16
    .thumb

    .section .isr_vector, "a", %progbits
    .align 2
    .global __isr_vector
__isr_vector:
    .word __stack_top__          /* initial main stack pointer */
    .word Reset_Handler          /* reset */
    .word hnn_fault_entry        /* NMI */
    .word hnn_fault_entry        /* HardFault */
    .word hnn_fault_entry        /* MemManage */
    .word hnn_fault_entry        /* BusFault */
    .word hnn_fault_entry        /* UsageFault */
    .word 0, 0, 0, 0             /* reserved */
    .word hnn_fault_entry        /* SVCall */
    .word hnn_fault_entry        /* DebugMonitor */
    .word 0                      /* reserved */
    .word hnn_fault_entry        /* PendSV */
    .word hnn_fault_entry        /* SysTick */
    .rept 32                     /* AN386 external interrupts: none expected */
    .word hnn_fault_entry
    .endr

    .text
    .thumb_func
    .global Reset_Handler
    .type Reset_Handler, %function
Reset_Handler:
    /* CPACR (0xE000ED88): full access to coprocessors 10 and 11 (the FPU). */
    ldr r0, =0xE000ED88
    ldr r1, [r0]
    orr r1, r1, #(0xF << 20)
    str r1, [r0]
    dsb
    isb

    /* Copy .data from FLASH to RAM. */
    ldr r0, =__data_load__
    ldr r1, =__data_start__
    ldr r2, =__data_end__
1:  cmp r1, r2
    bhs 2f
    ldr r3, [r0], #4
    str r3, [r1], #4
    b 1b

    /* Zero .bss. */
2:  ldr r0, =__bss_start__
    ldr r1, =__bss_end__
    movs r2, #0
3:  cmp r0, r1
    bhs 4f
    str r2, [r0], #4
    b 3b

4:  bl main
    bl exit                      /* flushes stdio, then _exit(status) */
5:  b 5b
    .size Reset_Handler, . - Reset_Handler

/* Every fault and unexpected exception: pass the stacked frame (MSP or PSP,
 * chosen by EXC_RETURN bit 2) and the EXC_RETURN value to the C reporter. */
    .thumb_func
    .global hnn_fault_entry
    .type hnn_fault_entry, %function
hnn_fault_entry:
    tst lr, #4
    ite eq
    mrseq r0, msp
    mrsne r0, psp
    mov r1, lr
    b hnn_fault_report
    .size hnn_fault_entry, . - hnn_fault_entry
