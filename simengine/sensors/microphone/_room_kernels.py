"""Numba kernels of room acoustics (private: they only compute into preallocated arrays).

``ism_taps`` renders a shoebox room's image sources as fractional-delay taps, ``air_smooth``
applies distance-dependent air absorption to an impulse response, ``add_moving`` propagates
a source along a trajectory to moving capsules with a per-sample delay (Doppler),
``add_moving_images`` does the same for many image sources at once. Fractional
delays read a precomputed windowed-sinc table ``table`` (P + 1, 2·hw): row p holds
``h(p / P - m)`` for taps ``m = -hw + 1 .. hw``, normalised to unit DC gain.
"""

from __future__ import annotations

import math

import numpy as np

from ..._numba import kernel


@kernel
def ism_taps(out, src, mics, axes, pattern, room, beta, min_dist, max_dist, fs, c, early,
             late, early_dist, skip_direct, delay_offset, squared):
    """Add every image source of a shoebox at a distance in ``(min_dist, max_dist]`` of each
    capsule to ``out``. With ``squared`` the taps carry the gain squared (an energy
    histogram: pass one-column tables and ``fs = 1 / bin width``).

    out (C, L): taps at ``r / c * fs + delay_offset`` samples with gain
    ``prod(beta^reflections) * (pattern + (1 - pattern) cos(theta)) / r``.
    src (3,), mics (C, 3), axes (C, 3) unit: in room-corner coordinates (0 .. room[i]).
    beta (6,): reflection coefficients of x=0, x=Lx, y=0, y=Ly, z=0, z=Lz.
    Images closer than ``early_dist`` use the ``early`` table, later ones ``late``.
    """
    n_ch = out.shape[0]
    lx, ly, lz = room[0], room[1], room[2]
    nx_max = int(max_dist / (2.0 * lx)) + 1
    ny_max = int(max_dist / (2.0 * ly)) + 1
    nz_max = int(max_dist / (2.0 * lz)) + 1
    for ch in range(n_ch):
        mx, my, mz = mics[ch, 0], mics[ch, 1], mics[ch, 2]
        for nx in range(-nx_max, nx_max + 1):
            for qx in range(2):
                x = 2.0 * nx * lx + (1.0 - 2.0 * qx) * src[0]
                bx = beta[0] ** abs(nx - qx) * beta[1] ** abs(nx)
                dx = x - mx
                if abs(dx) > max_dist:
                    continue
                for ny in range(-ny_max, ny_max + 1):
                    for qy in range(2):
                        y = 2.0 * ny * ly + (1.0 - 2.0 * qy) * src[1]
                        by = beta[2] ** abs(ny - qy) * beta[3] ** abs(ny)
                        dy = y - my
                        if dx * dx + dy * dy > max_dist * max_dist:
                            continue
                        for nz in range(-nz_max, nz_max + 1):
                            for qz in range(2):
                                if (skip_direct and nx == 0 and ny == 0 and nz == 0
                                        and qx == 0 and qy == 0 and qz == 0):
                                    continue
                                z = 2.0 * nz * lz + (1.0 - 2.0 * qz) * src[2]
                                dz = z - mz
                                r = math.sqrt(dx * dx + dy * dy + dz * dz)
                                if r > max_dist or r <= min_dist:
                                    continue
                                bz = beta[4] ** abs(nz - qz) * beta[5] ** abs(nz)
                                rr = max(r, 1e-3)
                                cos_t = (axes[ch, 0] * dx + axes[ch, 1] * dy
                                         + axes[ch, 2] * dz) / rr
                                g = bx * by * bz * (pattern + (1.0 - pattern) * cos_t) / rr
                                if squared:
                                    g = g * g
                                d = r / c * fs + delay_offset
                                table = early if r <= early_dist else late
                                _add_tap(out, ch, d, g, table)


@kernel
def _add_tap(out, ch, d, g, table):
    n_out = out.shape[1]
    n_phase = table.shape[0] - 1
    n_taps = table.shape[1]
    hw = n_taps // 2
    k0 = math.floor(d)
    p = int((d - k0) * n_phase + 0.5)
    for i in range(n_taps):
        k = k0 + i - hw + 1
        if 0 <= k < n_out:
            out[ch, k] += g * table[p, i]


@kernel
def air_smooth(out, ir, coef):
    """Gaussian air-absorption blur: tap ``n`` of ``ir`` (C, L) spreads over ``out`` (C, L)
    with a unit-sum sampled Gaussian of standard deviation ``coef * sqrt(n)`` samples."""
    n_ch, n = ir.shape
    for ch in range(n_ch):
        for k in range(n):
            v = ir[ch, k]
            if v == 0.0:
                continue
            sigma = coef * math.sqrt(k)
            if sigma < 0.1:  # the kernel would be a delta to within 1e-21
                out[ch, k] += v
                continue
            half = math.ceil(4.0 * sigma)
            total = 0.0
            for j in range(-half, half + 1):
                total += math.exp(-0.5 * (j / sigma) ** 2)
            for j in range(-half, half + 1):
                m = k + j
                if 0 <= m < n:
                    out[ch, m] += v * math.exp(-0.5 * (j / sigma) ** 2) / total


def add_moving(out, src, src_start, fs, traj, traj_t0, traj_dt, mic_pos, mic_axis, pattern,
               c, gain, table, n0, n1):
    """Add ``src`` (L,) emitted along ``traj`` to ``out`` (C, N), samples ``n0 .. n1 - 1``.

    ``src[k]`` is emitted at ``src_start + k / fs`` s from the source position ``traj`` (T, 3),
    sampled at ``traj_t0 + j * traj_dt`` and linearly interpolated (held at the ends).
    For output sample n (time t = n / fs) at capsule position ``mic_pos[ch, n]`` the emission
    time solves ``t - tau = t - |x_mic(t) - x_src(t - tau)| / c`` (fixed-point iteration,
    a contraction for source speeds below c); the source is read at that time by
    windowed-sinc interpolation, times ``gain * (pattern + (1 - pattern) cos theta) / r``.
    One source of :func:`add_moving_images`, heard by every capsule.
    """
    n_ch = out.shape[0]
    add_moving_images(out, np.ascontiguousarray(src)[None, :], src_start, fs,
                      np.ascontiguousarray(traj)[None, :, :], traj_t0, traj_dt, mic_pos,
                      mic_axis, pattern, c, np.array([gain], np.float64),
                      np.ones((1, n_ch), np.bool_), table, np.array([n0], np.int64),
                      np.array([n1], np.int64))


@kernel
def add_moving_images(out, srcs, src_start, fs, trajs, traj_t0, traj_dt, mic_pos, mic_axis,
                      pattern, c, gains, near, table, n0s, n1s):
    """:func:`add_moving` for M image sources at once: image m's signal ``srcs[m]`` (L,)
    is emitted along ``trajs[m]`` (T, 3) with gain ``gains[m]`` to the capsules ``ch``
    with ``near[m, ch]``, over output samples ``n0s[m] .. n1s[m] - 1``.

    The equation of :func:`add_moving`; the fixed-point iteration for the delay starts
    from the delays of the two previous output samples, extrapolated (off by ~ tau'' / fs^2
    instead of the whole delay): a still source and array converge in one step, a moving
    one in one or two (a cold start from 0 takes about six).
    """
    n_ch = out.shape[0]
    n_img = srcs.shape[0]
    n_src = srcs.shape[1]
    n_phase = table.shape[0] - 1
    n_taps = table.shape[1]
    hw = n_taps // 2
    n_traj = trajs.shape[1]
    for ch in range(n_ch):
        for m in range(n_img):
            if not near[m, ch]:
                continue
            g = gains[m]
            tau = tau1 = tau2 = 0.0
            for n in range(n0s[m], n1s[m]):
                t = n / fs
                mx, my, mz = mic_pos[ch, n, 0], mic_pos[ch, n, 1], mic_pos[ch, n, 2]
                if n - n0s[m] >= 2:  # extrapolate the last two delays: error ~ tau'' / fs^2
                    tau = 2.0 * tau1 - tau2
                sx = sy = sz = 0.0
                r = 0.0
                for _ in range(12):
                    u = (t - tau - traj_t0) / traj_dt
                    if u <= 0.0:
                        j, w = 0, 0.0
                    elif u >= n_traj - 1:
                        j, w = n_traj - 1, 0.0
                    else:
                        j = int(u)
                        w = u - j
                    j1 = min(j + 1, n_traj - 1)
                    sx = trajs[m, j, 0] + w * (trajs[m, j1, 0] - trajs[m, j, 0])
                    sy = trajs[m, j, 1] + w * (trajs[m, j1, 1] - trajs[m, j, 1])
                    sz = trajs[m, j, 2] + w * (trajs[m, j1, 2] - trajs[m, j, 2])
                    r = math.sqrt((mx - sx) ** 2 + (my - sy) ** 2 + (mz - sz) ** 2)
                    new = r / c
                    done = abs(new - tau) < 1e-12
                    tau = new
                    if done:
                        break
                tau2, tau1 = tau1, tau
                pos = (t - tau - src_start) * fs
                if pos < -hw or pos > n_src + hw:
                    continue
                k0 = math.floor(pos)
                p = int((pos - k0) * n_phase + 0.5)
                acc = 0.0
                first = k0 - hw + 1
                if first >= 0 and first + n_taps <= n_src:  # inside: no bounds test per tap
                    for i in range(n_taps):
                        acc += table[p, i] * srcs[m, first + i]
                else:
                    for i in range(n_taps):
                        k = first + i
                        if 0 <= k < n_src:
                            acc += table[p, i] * srcs[m, k]
                rr = max(r, 0.05)
                cos_t = (mic_axis[ch, n, 0] * (sx - mx) + mic_axis[ch, n, 1] * (sy - my)
                         + mic_axis[ch, n, 2] * (sz - mz)) / rr
                out[ch, n] += g * (pattern + (1.0 - pattern) * cos_t) / rr * acc
