/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Poisson byte sampling in integer fixed point, shared by the BPF program and the unit
 * tests so that the distribution is tested with the very code the kernel runs.
 *
 * Sample points fall on the stream of allocated bytes as a Poisson process of mean spacing
 * R bytes. The countdown is the distance to the next point: an allocation of s bytes is
 * sampled when it reaches that point, with probability 1 - exp(-s/R), independently of
 * every other allocation. The spacing is exponential because only a memoryless spacing
 * cannot phase-lock onto periodic allocation patterns.
 */
#ifndef MEMSNOOP_SAMPLER_H
#define MEMSNOOP_SAMPLER_H

#ifndef __BPF__
#include <linux/types.h>
#include <stdbool.h>
#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif
#endif

#define SAMPLER_LN2_Q28 186065279ULL /* ln(2) * 2^28 */

/* log2(1 + i/256) * 2^30, i = 0..256. */
static const __u32 sampler_log2_table[257] = {
	0, 6039314, 12055174, 18047761, 24017256, 29963836,
	35887675, 41788947, 47667823, 53524472, 59359063, 65171760,
	70962728, 76732128, 82480119, 88206862, 93912511, 99597222,
	105261148, 110904440, 116527248, 122129721, 127712004, 133274244,
	138816582, 144339162, 149842124, 155325606, 160789745, 166234679,
	171660541, 177067464, 182455581, 187825021, 193175914, 198508388,
	203822568, 209118580, 214396548, 219656594, 224898839, 230123404,
	235330407, 240519966, 245692198, 250847218, 255985140, 261106077,
	266210141, 271297442, 276368092, 281422197, 286459867, 291481207,
	296486323, 301475319, 306448299, 311405366, 316346620, 321272163,
	326182095, 331076513, 335955515, 340819199, 345667660, 350500993,
	355319292, 360122651, 364911162, 369684916, 374444004, 379188517,
	383918542, 388634168, 393335482, 398022572, 402695523, 407354420,
	411999347, 416630388, 421247625, 425851141, 430441017, 435017334,
	439580170, 444129607, 448665721, 453188592, 457698295, 462194908,
	466678506, 471149164, 475606957, 480051959, 484484242, 488903880,
	493310944, 497705506, 502087636, 506457405, 510814882, 515160136,
	519493235, 523814248, 528123241, 532420281, 536705435, 540978767,
	545240343, 549490228, 553728485, 557955178, 562170370, 566374123,
	570566499, 574747559, 578917365, 583075977, 587223455, 591359858,
	595485245, 599599675, 603703206, 607795895, 611877800, 615948977,
	620009483, 624059373, 628098702, 632127527, 636145900, 640153876,
	644151509, 648138853, 652115959, 656082880, 660039669, 663986377,
	667923055, 671849754, 675766525, 679673418, 683570481, 687457766,
	691335320, 695203192, 699061430, 702910083, 706749198, 710578822,
	714399001, 718209783, 722011213, 725803337, 729586201, 733359850,
	737124328, 740879680, 744625951, 748363183, 752091421, 755810707,
	759521085, 763222597, 766915285, 770599192, 774274358, 777940826,
	781598637, 785247830, 788888448, 792520529, 796144114, 799759243,
	803365955, 806964289, 810554283, 814135978, 817709409, 821274617,
	824831638, 828380510, 831921271, 835453956, 838978604, 842495250,
	846003931, 849504683, 852997541, 856482542, 859959719, 863429109,
	866890747, 870344666, 873790901, 877229486, 880660455, 884083842,
	887499680, 890908003, 894308843, 897702233, 901088206, 904466794,
	907838029, 911201944, 914558569, 917907937, 921250079, 924585025,
	927912807, 931233456, 934547002, 937853475, 941152905, 944445323,
	947730758, 951009239, 954280797, 957545460, 960803257, 964054218,
	967298370, 970535742, 973766362, 976990259, 980207461, 983417995,
	986621888, 989819169, 993009864, 996194001, 999371606, 1002542707,
	1005707329, 1008865499, 1012017244, 1015162589, 1018301561, 1021434185,
	1024560487, 1027680492, 1030794226, 1033901713, 1037002979, 1040098049,
	1043186948, 1046269699, 1049346328, 1052416858, 1055481314, 1058539720,
	1061592099, 1064638476, 1067678873, 1070713315, 1073741824,
};

/* floor(log2(x)) for x > 0, without the builtins the BPF backend lacks. */
static __always_inline __u32 sampler_ilog2(__u64 x)
{
	__u32 r = 0;

	if (x >> 32) { x >>= 32; r += 32; }
	if (x >> 16) { x >>= 16; r += 16; }
	if (x >> 8) { x >>= 8; r += 8; }
	if (x >> 4) { x >>= 4; r += 4; }
	if (x >> 2) { x >>= 2; r += 2; }
	if (x >> 1) r += 1;
	return r;
}

/* -ln(u) * 2^24 for u = (r + 1) / 2^32, a uniform draw in (0, 1]. */
static __always_inline __u64 sampler_neg_ln_q24(__u32 r)
{
	__u64 m = (__u64)r + 1; /* [1, 2^32] */
	__u32 e = sampler_ilog2(m);
	/* m / 2^e in [1, 2) as a 32-bit binary fraction after the leading one */
	__u64 frac = ((m << (32 - e)) - (1ULL << 32)) & 0xffffffffULL;
	__u32 idx = (frac >> 24) & 0xff;
	__u64 weight = (frac >> 8) & 0xffff;
	__u64 lo = sampler_log2_table[idx];
	__u64 hi = sampler_log2_table[idx + 1];
	__u64 log2_q30 = ((__u64)e << 30) + lo + (((hi - lo) * weight) >> 16);
	__u64 neg_log2_q30 = (32ULL << 30) - log2_q30;

	/* Q30 * Q28 >> 34 = Q24; the product stays below 2^63 */
	return (neg_log2_q30 * SAMPLER_LN2_Q28) >> 34;
}

/* An exponentially distributed distance in bytes, mean bytes on average, at least 1. */
static __always_inline __u64 sampler_next_interval(__u32 r, __u64 mean)
{
	__u64 nl = sampler_neg_ln_q24(r);
	/* mean * nl >> 24, split so that neither product overflows */
	__u64 v = (mean >> 24) * nl + (((mean & 0xffffffULL) * nl) >> 24);

	return v ? v : 1;
}

/*
 * Advances the countdown past an allocation of size bytes. Returns true when the
 * allocation reaches the next sample point; the caller then draws a new countdown,
 * measured from the allocation's end (the process is memoryless).
 */
static __always_inline bool sampler_reaches_point(__u64 *countdown, __u64 size)
{
	if (size < *countdown) {
		*countdown -= size;
		return false;
	}
	return true;
}

#endif /* MEMSNOOP_SAMPLER_H */
