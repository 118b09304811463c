"""Section 4, microphone array: the audio stage of the end-to-end run against real time; 1 s of
a 4-channel 16 kHz array, 10 impacts, reverberant room, per stage; room impulse response
against pyroomacoustics (optional: ``pip install -e '.[bench]'``)."""

from __future__ import annotations

import statistics
import time

import numba
import numpy as np

from simengine.instance import SensorInstance
from simengine.physics.events import ContactEvent, Recording
from simengine.sensors.base import Capture
from simengine.sensors.microphone.labels import AcousticScene
from simengine.sensors.microphone.room import Room, reflections_ir, schroeder_rt60
from simengine.sensors.microphone.sensor import MicrophoneArray

from .end_to_end import EndToEnd
from .settings import Settings
from .table import Row, median_seconds, median_seconds_pair, print_table

AUDIO_ROOM = {"size": (5.0, 4.0, 3.0), "wall_material": "plaster", "floor_material": "wood",
              "ceiling_material": "plaster", "rt60": 0.5}


def audio_case() -> tuple[MicrophoneArray, Recording]:
    """1 s of a 4-capsule circular array at 16 kHz in a 5 x 4 x 3 m room of RT60 0.5 s,
    10 impacts of mixed materials at fixed random places (seeded)."""
    rng = np.random.default_rng(0)
    mats = ("wood", "metal", "plastic", "glass", "ceramic")
    events = tuple(ContactEvent(
        time=0.05 + 0.09 * i, instance_a=1, instance_b=0, material_a=mats[i % 5],
        material_b="wood", size_a=float(rng.uniform(0.05, 0.2)), size_b=1.0,
        position=(float(rng.uniform(-2, 2)), float(rng.uniform(-1.6, 1.6)), 0.0),
        normal=(0.0, 0.0, 1.0), impulse=float(rng.uniform(0.05, 0.5)), speed=2.0)
        for i in range(10))
    sensor = SensorInstance("array", "microphone", {
        "positions": [(0.032, 0, 0), (0, 0.032, 0), (-0.032, 0, 0), (0, -0.032, 0)],
        "sample_rate": 16000, "self_noise_db_spl": 30.0, "speed_of_sound": 343.0},
        (0.3, 0.2, 1.2), (0.0, 0.0, 0.0, 1.0))
    scene = AcousticScene(room=Room.from_instance(AUDIO_ROOM), ground_beta=None,
                          ambient={"color": "pink", "snr_db": 20.0, "level_db_spl": None})
    mic = MicrophoneArray(sensor, 1.0, scene=scene, max_events=16)
    return mic, Recording(events, 1.0)


def bench_audio(e2e: EndToEnd, cfg: Settings) -> None:
    rows, notes = [], []
    spec = e2e.engine.spec
    mics = [s for s in e2e.engine.instance(0).sensors if s.kind == "microphone"]
    if mics:
        duration_ms = 1000 * spec.schedule.duration
        ours = 1000 * e2e.stage_seconds["audio"] / e2e.samples
        channels = sum(len(m.params["positions"]) for m in mics)
        rows.append(Row(f"{spec.name}: audio stage per sample ({channels} channels)", ours,
                        duration_ms, "baseline = real time of the recording"))
        notes.append(f"{spec.name}: mean of {e2e.samples} samples of the end-to-end run, "
                     f"{e2e.events:.1f} contact events per sample")

    # 1 s, 4 channels, 16 kHz, 10 impacts, reverberant room: time per stage
    mic, rec = audio_case()
    stages: dict[str, list[float]] = {}
    totals = []
    mic.observe(Capture(recording=rec), np.random.default_rng(0))  # warm-up (JIT or cache load)
    for r in range(cfg.repeat):
        start = time.perf_counter()
        mic.observe(Capture(recording=rec), np.random.default_rng(r))
        totals.append(time.perf_counter() - start)
        for k, v in mic.timings.items():
            stages.setdefault(k, []).append(v)
    rows.append(Row("1 s, 4 ch, 16 kHz, 10 impacts, RT60 0.5 s room: observe",
                    1000 * statistics.median(totals), 1000.0,
                    "baseline = real time; ratio = times faster"))
    for k, v in stages.items():
        rows.append(Row(f"  stage {k}", 1000 * statistics.median(v)))

    # impulse response: ours (Numba image sources) vs pyroomacoustics (C++), same room
    room = Room.from_instance(AUDIO_ROOM)
    fs, c, length = 16000, 343.0, 8000  # 0.5 s
    src = np.array([1.1, -0.7, 1.4])
    capsules = np.array([0.3, 0.2, 1.2]) + np.array(
        [(0.032, 0, 0), (0, 0.032, 0), (-0.032, 0, 0), (0, -0.032, 0)])
    axes = np.tile([1.0, 0.0, 0.0], (4, 1))

    def ours():
        return reflections_ir(room, src, capsules, axes, 1.0, fs, c, length,
                              include_direct=True, air=False)

    try:
        import pyroomacoustics as pra
    except ImportError:
        pra = None
    if pra is None:
        t = median_seconds(ours, cfg.repeat)
        rows.append(Row("room IR 0.5 s, 4 ch (image sources)", 1000 * t, None,
                        "pyroomacoustics not installed (pip install -e '.[bench]')"))
    else:
        order = int(np.ceil(c * length / fs / min(room.size))) + 1
        corner = np.array([room.size[0] / 2, room.size[1] / 2, 0.0])

        def theirs():
            shoebox = pra.ShoeBox(list(room.size), fs=fs, max_order=order,
                                  materials={k: pra.Material(float(a)) for k, a in zip(
                                      ("west", "east", "south", "north", "floor", "ceiling"),
                                      room.alpha, strict=True)},
                                  air_absorption=False, use_rand_ism=False)
            shoebox.add_source(list(src + corner))
            shoebox.add_microphone_array((capsules + corner).T)
            shoebox.compute_rir()
            return shoebox

        t_ours, t_pra = median_seconds_pair(ours, theirs, cfg.repeat)
        a = ours()
        shoebox = theirs()
        delay = pra.constants.get("frac_delay_length") // 2
        b = np.array([shoebox.rir[m][0][delay:delay + length] for m in range(4)])
        r = np.linalg.norm(capsules - src, axis=1)
        direct = r / c * fs
        peak_a = np.argmax(np.abs(a[:, :int(direct.max()) + 20]), axis=1)
        peak_b = np.argmax(np.abs(b[:, :int(direct.max()) + 20]), axis=1)
        from scipy.signal import butter, sosfilt

        sos = butter(4, [500.0, 2000.0], btype="bandpass", fs=fs, output="sos")
        bands = [sosfilt(sos, x, axis=1) for x in (a, b)]
        rt = [schroeder_rt60((y**2).sum(0), 1 / fs, -5, -35) for y in bands]
        # reverberant-to-direct energy in the band (the two libraries scale amplitudes
        # differently: ours is re. 1 m, theirs 1 / (4 pi r) with a DC-removing high-pass)
        k = int(direct.min()) + 32
        drr = [float((y[:, k:] ** 2).sum() / (y[:, :k] ** 2).sum()) for y in bands]
        rows.append(Row("room IR 0.5 s, 4 ch (image sources)", 1000 * t_ours, 1000 * t_pra,
                        f"pyroomacoustics {pra.__version__} ShoeBox.compute_rir, max_order "
                        f"{order}"))
        notes += [f"IR agreement: direct-path peak at samples {[int(v) for v in peak_a]} "
                  f"(ours) vs {[int(v) for v in peak_b]} (pyroomacoustics, minus its "
                  f"{delay}-sample offset), geometry {[round(float(d), 2) for d in direct]}; "
                  f"T30 (500-2000 Hz) {rt[0]:.3f} s vs {rt[1]:.3f} s; reverberant/direct "
                  f"energy (500-2000 Hz) {drr[0]:.3f} vs {drr[1]:.3f}",
                  "pyroomacoustics gets the same six absorption coefficients (energy); its "
                  "RIR is built from every image up to the order (the smallest order that "
                  "holds every image within c x 0.5 s, plus farther ones), ours from every "
                  "image within c x 0.5 s; both without air absorption"]
    notes += [f"room: {AUDIO_ROOM['size']} m, target RT60 {AUDIO_ROOM['rt60']} s (realised "
              f"by the image model {room.rt60:.3f} s), pink ambient at 20 dB SNR; stages: "
              "sources = dry signals (modal synthesis + clicks), noise = ambient diffuse "
              "field + self-noise (+ SNR scaling), late_reverb = the shared late tail "
              "(images after 80 ms), propagation = per source direct path with Doppler + "
              "early images + FFT convolution, capsules = mismatch, clipping, quantisation",
              f"median of {cfg.repeat}; Numba on {numba.get_num_threads()} threads (audio "
              "kernels are serial)"]
    print_table("4. Microphone array (impacts, room image sources, noise, labels)", rows,
                notes)
