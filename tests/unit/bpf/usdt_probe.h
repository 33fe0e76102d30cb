// A USDT probe with one argument, written as the stapsdt ELF note that <sys/sdt.h> would
// emit (that header is not installed here). The argument is passed in a register.
#pragma once

#define SONDE_TEST_USDT1(provider, name, value)                               \
  __asm__ __volatile__(                                                       \
      "990: nop\n"                                                            \
      ".pushsection .note.stapsdt,\"?\",\"note\"\n"                           \
      ".balign 4\n"                                                           \
      ".4byte 992f-991f, 994f-993f, 3\n"                                      \
      "991: .asciz \"stapsdt\"\n"                                             \
      "992: .balign 4\n"                                                      \
      "993: .8byte 990b\n"                                                    \
      ".8byte _.stapsdt.base\n"                                               \
      ".8byte 0\n"                                                            \
      ".asciz \"" #provider                                                   \
      "\"\n"                                                                  \
      ".asciz \"" #name                                                       \
      "\"\n"                                                                  \
      ".asciz \"-8@%0\"\n"                                                    \
      "994: .balign 4\n"                                                      \
      ".popsection\n"                                                         \
      ".ifndef _.stapsdt.base\n"                                              \
      ".pushsection .stapsdt.base,\"aG\",\"progbits\",.stapsdt.base,comdat\n" \
      ".weak _.stapsdt.base\n"                                                \
      ".hidden _.stapsdt.base\n"                                              \
      "_.stapsdt.base: .space 1\n"                                            \
      ".size _.stapsdt.base, 1\n"                                             \
      ".popsection\n"                                                         \
      ".endif\n"                                                              \
      :                                                                       \
      : "r"(static_cast<long>(value)))
