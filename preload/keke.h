/* SPDX-License-Identifier: MIT */
/*
 * keke.h: annotations for programs traced by keke. Reserved for the
 * annotation API; including it costs nothing.
 */
#ifndef KEKE_H
#define KEKE_H
#endif
