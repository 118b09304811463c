"""Microphone array: the sounds of the simulated scene at each capsule, with labels.

Pipeline of :meth:`MicrophoneArray.observe` (one module per step):

1. **Dry sources** (pressure at 1 m, Pa): every :class:`~simengine.physics.events.ContactEvent`
   by modal synthesis (below); every sliding/rolling contact
   (:class:`~simengine.physics.events.SlideEpisode`) as band-limited noise whose power is a
   share of the friction power, coloured by the two materials' modes
   (:func:`synthesize_slide`); every scene sound source (tone, hum, chirp, noise burst,
   babble, clip; :mod:`.sources`); every sounding actor: a road vehicle's CNOSSOS-EU
   rolling and propulsion noise, a pedestrian's footsteps (:mod:`.actor_sounds`).
2. **Propagation** (:mod:`.propagation`, :mod:`.room`): the direct path with
   a per-sample delay (exact Doppler for moving sources and arrays), ``1 / r``, capsule
   directivity, air absorption; outdoors the ground image; in a room the image sources of
   the shoebox (early per source, the late tail shared; the images within 20 ms follow a
   moving source or array, with their own Doppler).
3. **Noise**: ambient diffuse noise (white, pink or brown, or an ambient bed with a real
   place's spectrum; a level, an A-weighted level, or scaled to a target SNR) and each
   capsule's self-noise.
4. **Capsules and converter** (:func:`capsule_chain`): per-channel gain and phase mismatch,
   clipping at the acoustic overload point, quantisation.
5. **Labels** (:mod:`.labels`): per source onset, offset, instance, class, materials,
   peak level, Leq and LAeq at the array, direction of arrival and distance; the room's
   RT60; the realised SNR; each channel's Leq and LAeq (:mod:`.levels`).

Impact model (energy-based; :mod:`.impact_energy` and :mod:`.synthesis` give the physics,
docs/references.md#impact-loudness-from-energy the sources and the calibration):

- **Source.** An impact radiates ``eta * E_diss`` joules, ``E_diss = J v (1 - e) / 2`` the
  kinetic energy the contact dissipates (impulse ``J``, normal speed ``v``; the restitution
  ``e`` is not in the event, so 0, the upper bound). Each body radiates half of it times its
  efficiency (material ``radiation_efficiency`` times its modes' radiation ratio) as modal
  ringing, ``f_k = f0_hz * ratio_k * (0.1 / size)``, ``tau_k = 1 / (pi f_k loss_factor)``;
  contacts slower than ``MIN_IMPACT_SPEED`` (resting, settling) are silent. Modes at or
  above ``MAX_MODE_FRACTION * sample_rate`` are dropped (they would alias).
- **Attack.** A real impact is a contact of well under a millisecond, i.e. a broadband
  transient: a Gaussian noise burst of ``CLICK_LENGTH`` seconds with an exponential
  envelope of time constant ``CLICK_DECAY``, carrying ``CLICK_SHARE`` of the event's
  radiated energy. That transient is what onset detectors and GCC-PHAT lock on.

Randomness comes only from the ``rng`` given to :meth:`MicrophoneArray.observe`, drawn in a
fixed order that does not depend on what is audible: one click per event, one noise per
sliding contact, each scene source's draws, one seed per sounding actor, the gain and the
phase mismatch of every channel, the ambient noise (if the scene has one), the self-noise
``(C, N)``. The waveform is in pascals, float32. No kernel here is parallel, so the output
does not depend on the number of Numba threads.

Constants and why:

- ``DECAY_SPAN = 5`` time constants: the ringing is then 43 dB down (e^-5).
- ``MIN_DISTANCE = 0.05`` m: a capsule's own size; avoids the 1/r singularity.
- ``SINC_HALF_WIDTH = 16`` taps each side: sub-sample delay errors far below one sample
  (what GCC-PHAT localisation needs) for 2 ms of look-ahead at 16 kHz.
- Sliding/rolling: radiated power ``SLIDE_SHARE * eta * SLIDE_FRICTION * F * v`` (the
  friction power times a small share of the pair's impact efficiency; :mod:`.synthesis`).
  ``SLIDE_BAND`` 150-6000 Hz.
"""

from __future__ import annotations

import math
import time
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from ...dsp import P_REF
from ...geometry.transforms import quat_to_matrix
from ...materials import MATERIAL_ID
from ..base import Capture, OutputSpec, SampleLayout, Sensor
from .actor_sounds import actor_sound, screened, screening_detour
from .capsules import PATTERNS, capsule_axes, capsule_chain, snr_gain
from .labels import (
    KIND_ACTOR,
    KIND_CONTACT,
    KIND_IMPACT,
    KIND_SCENE,
    AcousticScene,
    SourceLabel,
    fill_labels,
    label_specs,
)
from .levels import a_weighted, laeq_db, leq_db, level_db
from .params import LOGMEL_HOP, LOGMEL_WINDOW, PARAMS
from .propagation import ArrayMotion, Path, late_tail, onset_at_origin, render
from .sources import diffuse_noise, scene_source
from .synthesis import (
    impact_click,
    impact_pressure,
    noise_rms,
    synthesize_slide,
)

if TYPE_CHECKING:  # annotation only: keeps this module's imports light
    from ...instance import SensorInstance
    from ...physics.events import ContactEvent, Recording, SlideEpisode

MIN_DISTANCE = 0.05
SINC_HALF_WIDTH = 16
LEVEL_PAD = 1024  # samples around a source's span when A-weighting it (21 ms at 48 kHz)


class MicrophoneArray(Sensor):
    """Microphone array hearing a :class:`Recording` in its acoustic scene.

    Parameters
    ----------
    sensor : SensorInstance
        ``kind == "microphone"``; ``params`` as in :data:`params.PARAMS`.
    duration : float
        Seconds of the recording window; ``N = round(duration * sample_rate)``.
    scene : AcousticScene, optional
        Room, ground reflection, scene sources, ambient noise, class ids. None: free field,
        impacts and contacts only.
    max_events : int
        Label capacity for contact sounds; the source labels hold
        ``max_events + n_scene_sources`` slots.
    n_scene_sources : int
        The scene's number of declared sound sources (fixes the label shapes); defaults to
        the scene's.
    """

    kind = "microphone"
    signals = ("waveform",)
    mask_of = "waveform"
    framed = False  # one recording per sample
    context_fixed = ("mic_positions",)
    context_extras = ("sample_rate",)

    @classmethod
    def for_scene(cls, sensor: SensorInstance, layout: SampleLayout) -> MicrophoneArray:
        return cls(sensor, layout.duration, max_events=layout.max_events,
                   n_scene_sources=layout.n_scene_sources)

    @classmethod
    def signal_rate(cls, params) -> float:
        return float(params["sample_rate"])

    def __init__(self, sensor: SensorInstance, duration: float, *,
                 scene: AcousticScene | None = None, max_events: int = 64,
                 n_scene_sources: int | None = None) -> None:
        if sensor.kind != self.kind:
            raise ValueError(f"sensor {sensor.name!r}: expected kind 'microphone', "
                             f"got {sensor.kind!r}")
        p = {k: f.default for k, f in PARAMS.items() if f.default is not None}
        p.update(sensor.params)
        where = f"sensor {sensor.name!r}"
        pos = np.asarray(p.get("positions", ()), dtype=np.float64)
        if pos.ndim != 2 or pos.shape[0] < 1 or pos.shape[1] != 3 or not np.isfinite(pos).all():
            raise ValueError(f"{where}: positions: expected a list of finite 3-vectors, "
                             f"got {p.get('positions')!r}")
        self.sensor = sensor
        self.name = sensor.name
        self.sample_rate = int(p["sample_rate"])
        self.self_noise_db_spl = float(p["self_noise_db_spl"])
        self.speed_of_sound = float(p["speed_of_sound"])
        if self.sample_rate <= 0 or not math.isfinite(self.self_noise_db_spl):
            raise ValueError(f"{where}: sample_rate must be positive, self_noise_db_spl finite")
        if not (math.isfinite(self.speed_of_sound) and self.speed_of_sound > 0):
            raise ValueError(f"{where}: speed_of_sound must be positive")
        if not (math.isfinite(duration) and duration > 0):
            raise ValueError(f"{where}: duration: expected a positive number of seconds, "
                             f"got {duration!r}")
        self.duration = float(duration)
        self.n_samples = round(self.duration * self.sample_rate)
        if self.n_samples < 1:
            raise ValueError(f"{where}: duration {duration} s holds no sample")
        if p["directivity"] not in PATTERNS:
            raise ValueError(f"{where}: directivity: expected one of {sorted(PATTERNS)}")
        self.pattern = PATTERNS[p["directivity"]]
        self.capsules = pos
        self.capsule_axes = capsule_axes(pos, p.get("axes"), where)
        self.gain_std_db = float(p["gain_mismatch_db_std"])
        self.phase_std_deg = float(p["phase_mismatch_deg_std"])
        self.clip_db_spl = None if p.get("clip_db_spl") is None else float(p["clip_db_spl"])
        self.bit_depth = int(p["bit_depth"])
        if self.bit_depth > 0 and self.clip_db_spl is None:
            raise ValueError(f"{where}: bit_depth needs clip_db_spl (the full scale)")
        self.output_stems = bool(p["output_stems"])
        self.output_logmel = bool(p["output_logmel"])
        self.n_mels = int(p["n_mels"])
        self.scene = scene if scene is not None else AcousticScene(room=None, ground_beta=None)
        self.n_scene_sources = (len(self.scene.sources) if n_scene_sources is None
                                else int(n_scene_sources))
        self.capacity = int(max_events) + self.n_scene_sources
        self.timings: dict[str, float] = {}  # seconds per stage of the last observe
        R = quat_to_matrix(sensor.orientation)
        self.positions_world = np.ascontiguousarray(
            np.asarray(sensor.position, np.float64) + pos @ R.T)  # (C, 3), at t = 0

    @property
    def channels(self) -> int:
        return self.positions_world.shape[0]

    # --- layout -------------------------------------------------------------------------
    def logmel_shape(self) -> tuple[int, int, int]:
        hop = round(LOGMEL_HOP * self.sample_rate)
        return (self.channels, self.n_mels, 1 + self.n_samples // hop)

    def outputs(self) -> dict[str, OutputSpec]:
        """``waveform`` (C, N) float32 Pa, ``mic_positions`` (C, 3) world at t = 0, the
        source labels and scalars of :mod:`.labels`, and if asked ``stems``
        (3 + K, C, N): impacts, sliding contacts, actors, then each scene source, clean, and
        ``logmel`` (C, n_mels, frames) dB."""
        c, n = self.channels, self.n_samples
        out = {"waveform": OutputSpec((c, n), "float32", unit="Pa"),
               "mic_positions": OutputSpec((c, 3), "float64", unit="m", doc="world frame")}
        out.update(label_specs(self.capacity, c))
        if self.output_stems:
            out["stems"] = OutputSpec((3 + self.n_scene_sources, c, n), "float32", unit="Pa",
                                      doc="clean sound per source group at the capsules: "
                                          "impacts, contacts, actors, scene sources in order")
        if self.output_logmel:
            out["logmel"] = OutputSpec(self.logmel_shape(), "float32", unit="dB",
                                       doc=f"log-mel power of waveform, {LOGMEL_WINDOW * 1e3:g} "
                                           f"ms window, {LOGMEL_HOP * 1e3:g} ms hop, re 1 Pa^2")
        return out

    # --- rendering ----------------------------------------------------------------------
    def observe(self, capture: Capture, rng: np.random.Generator) -> dict[str, np.ndarray]:
        """Hear ``capture.recording`` in the acoustic scene of ``capture.instance`` (its
        room, ground, sound sources and class ids; without an instance, the scene given at
        construction). Random draws in a fixed order: a click per impact, a noise
        per sliding contact, each scene source's own draws, gain then phase mismatch (C
        each), the ambient noise (if the scene has one), the self-noise (C, N)."""
        recording = capture.recording
        if recording is None:
            raise ValueError(f"sensor {self.name!r}: a microphone array needs a recording")
        if capture.instance is not None:  # this sample's own acoustic scene
            self.scene = AcousticScene.from_instance(capture.instance, capture.classes)
        if abs(recording.duration - self.duration) * self.sample_rate > 0.5:
            raise ValueError(f"sensor {self.name!r}: recording lasts {recording.duration} s, "
                             f"the sensor was built for {self.duration} s")
        fs, n, c = self.sample_rate, self.n_samples, self.speed_of_sound
        for i, event in enumerate(recording.events):
            _check_event(event, i)
        clock = _Clock()
        dry = [self._impact(e, impact_click(rng, e.impulse, fs)) for e in recording.events]
        dry += [self._slide(s, rng) for s in recording.slides]
        dry += [self._scene_source(k, src, recording, rng)
                for k, src in enumerate(self.scene.sources)]
        seeds = [int(rng.integers(2**63)) for _ in self.scene.actors]
        tracks = {t.instance: t for t in recording.actors}
        for obj in self.scene.actors:
            if obj.instance_id not in tracks:
                raise ValueError(f"sensor {self.name!r}: the recording has no track of actor "
                                 f"{obj.instance_id} (record it with the physics)")
        dry += [self._actor(obj, tracks[obj.instance_id], seed)
                for obj, seed in zip(self.scene.actors, seeds, strict=True)]
        clock.tick("sources")
        gains_db = rng.standard_normal(self.channels) * self.gain_std_db
        phases_deg = rng.standard_normal(self.channels) * self.phase_std_deg
        ambient = None
        if self.scene.ambient is not None:
            ambient = diffuse_noise(rng, self.positions_world, n, fs, c,
                                    self.scene.ambient["color"],
                                    self.scene.ambient.get("bed"))
        self_noise = rng.standard_normal((self.channels, n)) * noise_rms(self.self_noise_db_spl)
        clock.tick("noise")

        motion = ArrayMotion.build(self.sensor, self.capsules, self.capsule_axes, n, fs)
        clean = np.zeros((self.channels, n), np.float64)
        stems = np.zeros((3 + self.n_scene_sources, self.channels, n)) if self.output_stems \
            else None
        labels: list[SourceLabel] = []
        room = self.scene.room
        late = late_tail(room, motion, self.pattern, c, n) if room is not None else None
        clock.tick("late_reverb")
        for item in dry:
            if item is None:
                continue
            x, start, path, group, label = item
            wet = np.zeros_like(clean)
            render(wet, x, start, path, motion, self.pattern, c, room, self.scene.ground_beta,
                   late)
            clean += wet
            if stems is not None:
                stems[group] += wet
            peak = float(np.max(np.abs(wet)))
            if peak > 0:
                labels.append(self._label(label, x, start, path, motion, peak, wet))

        clock.tick("propagation")
        noise, snr = self._noise(clean, ambient, self_noise)
        clock.tick("noise")
        wave = capsule_chain(clean + noise, 10.0 ** (gains_db / 20.0), np.radians(phases_deg),
                             self.clip_db_spl, self.bit_depth)
        clock.tick("capsules")
        out = {"waveform": wave.astype(np.float32),
               "mic_positions": self.positions_world.copy()}
        out.update(fill_labels(labels, self.capacity, self.channels))
        out["rt60"][...] = self.scene.room.rt60 if self.scene.room is not None else 0.0
        out["snr_db"][...] = snr
        out["leq_db_spl"][:] = leq_db(out["waveform"])
        out["laeq_db"][:] = laeq_db(out["waveform"], fs)
        out["channel_gain_db"][:] = gains_db
        out["channel_phase_deg"][:] = phases_deg
        if stems is not None:
            out["stems"] = stems.astype(np.float32)
        if self.output_logmel:
            out["logmel"] = self._logmel(out["waveform"])
        clock.tick("labels_features")
        self.timings = clock.seconds
        return out

    def _impact(self, e: ContactEvent, click: np.ndarray):
        # Energy-based (synthesis.impact_pressure): silent below the settling speed; the
        # energy dissipated depends on the pair's restitution, as PyBullet combines it.
        rest = self.duration - max(e.time, 0.0)
        src = impact_pressure(e, click, float(self.sample_rate), rest,
                              self.scene.pair_restitution(e.instance_a, e.instance_b))
        if src is None:
            return None
        sc = self.scene
        label = (KIND_IMPACT, (e.instance_a, e.instance_b),
                 (sc.contact_class(e.instance_a, e.position[2]),
                  sc.contact_class(e.instance_b, e.position[2])),
                 (MATERIAL_ID[e.material_a], MATERIAL_ID[e.material_b]), -1)
        return src, e.time, Path(np.asarray([e.position], np.float64)), 0, label

    def _slide(self, s: SlideEpisode, rng: np.random.Generator):
        fs = float(self.sample_rate)
        n = max(0, math.ceil((s.times[-1] - s.times[0]) * fs) + 1)
        noise = rng.standard_normal(n)  # drawn for every episode: a fixed order
        start = float(s.times[0])
        if start >= self.duration:
            return None
        x = synthesize_slide(s, fs, noise)
        dt = float(s.times[1] - s.times[0]) if s.times.shape[0] > 1 else 1.0
        path = Path(np.ascontiguousarray(s.position, np.float64), start, dt)
        z = float(s.position[0, 2])
        sc = self.scene
        classes = (sc.contact_class(s.instance_a, z), sc.contact_class(s.instance_b, z))
        label = (KIND_CONTACT, (s.instance_a, s.instance_b), classes,
                 (MATERIAL_ID[s.material_a], MATERIAL_ID[s.material_b]), -1)
        return x, start, path, 1, label

    def _scene_source(self, k: int, src: dict, recording: Recording,
                      rng: np.random.Generator):
        x = scene_source(src, float(self.sample_rate), self.duration, rng,
                         clip_file=(self.scene.clip_files or {}).get(src["file"] or ""))
        if src["attach_instance"] < 0 or src["start"] >= self.duration:
            return None
        offset = np.asarray(src["position"], np.float64)
        path = Path(offset[None, :])
        if src["attach_instance"] > 0 and recording.trajectories is not None:
            pts = recording.trajectories[:, src["attach_instance"] - 1, :] + offset
            path = Path(np.ascontiguousarray(pts), 0.0, recording.trajectory_dt)
        label = (KIND_SCENE, (src["attach_instance"], -1), (self.scene.source_classes[k], -1),
                 (-1, -1), k)
        return x, float(src["start"]), path, 3 + k, label

    def _actor(self, obj, track, seed: int):
        sound = actor_sound(obj, track, self.scene.surface, float(self.sample_rate),
                            self.n_samples, np.random.default_rng(seed))
        if not np.any(sound.signal):
            return None
        attach = self.sensor.attach
        if attach is not None and attach["object"] == obj.index:  # the array's own carrier
            detour = screening_detour(obj.size, np.asarray(attach["mount_position"]))
            sound = replace(sound, signal=screened(sound.signal, float(self.sample_rate),
                                                   detour, self.speed_of_sound))
        label = (KIND_ACTOR, (sound.instance, -1), (sound.class_id, -1),
                 (-1, MATERIAL_ID.get(self.scene.surface, -1)), -1)
        return sound.signal, 0.0, Path(sound.points, 0.0, sound.dt), 2, label

    def _label(self, label, x, start, path, motion, peak, wet) -> SourceLabel:
        kind, inst, classes, mats, scene_k = label
        c = self.speed_of_sound
        onset = onset_at_origin(path, start, motion, c)
        end = start + x.shape[0] / self.sample_rate
        offset = min(onset_at_origin(path, end, motion, c), self.duration)
        i = motion.index(onset)
        p = path.at(start)
        direction = motion.rotation[i].T @ (p - motion.origin[i])
        leq, laeq = self._span_levels(wet, onset, offset)
        return SourceLabel(kind, onset, offset, inst, classes, mats, scene_k, peak, p,
                           direction, leq, laeq)

    def _span_levels(self, wet: np.ndarray, onset: float, offset: float
                     ) -> tuple[float, float]:
        """Leq and LAeq (dB) of one source's sound at the capsules from its onset to its
        offset, the channels' energy mean. The A-weighting filters the span with
        ``LEVEL_PAD`` samples of what surrounds it on each side (zero-phase FFT weighting:
        the pad keeps the circular wrap of a short span out of its energy) and the span's
        samples alone are averaged; a span is at least one sample."""
        fs, n = self.sample_rate, wet.shape[1]
        a = min(max(math.floor(onset * fs), 0), n - 1)
        b = min(max(math.ceil(offset * fs), a + 1), n)
        lo, hi = max(a - LEVEL_PAD, 0), min(b + LEVEL_PAD, n)
        weighted = a_weighted(wet[:, lo:hi], fs, pad=True)[:, a - lo:b - lo]
        span = wet[:, a:b]
        return (float(level_db(np.mean(np.square(span)))),
                float(level_db(np.mean(np.square(weighted)))))

    def _noise(self, clean, ambient, self_noise) -> tuple[np.ndarray, float]:
        """Ambient (scaled to its level or to the target SNR) plus self-noise; realised SNR."""
        noise = self_noise
        amb = self.scene.ambient
        if ambient is not None:
            if amb.get("level_db_spl") is not None:
                noise = noise + ambient * P_REF * 10.0 ** (amb["level_db_spl"] / 20.0)
            elif amb.get("level_dba") is not None:  # the bed's LAeq at the capsules
                own = float(np.mean(10.0 ** (laeq_db(ambient, self.sample_rate) / 10.0)))
                gain = 10.0 ** (amb["level_dba"] / 20.0) / np.sqrt(own) if own > 0 else 0.0
                noise = noise + ambient * gain
            else:
                noise = noise + ambient * snr_gain(clean, ambient, self_noise, amb["snr_db"])
        p_sig, p_noise = float(np.sum(clean**2)), float(np.sum(noise**2))
        snr = 10.0 * math.log10(p_sig / p_noise) if p_sig > 0 and p_noise > 0 else math.nan
        return noise, snr

    def _logmel(self, wave: np.ndarray) -> np.ndarray:
        import librosa

        fs = self.sample_rate
        hop = round(LOGMEL_HOP * fs)
        win = round(LOGMEL_WINDOW * fs)
        n_fft = 1 << (win - 1).bit_length()
        mel = librosa.feature.melspectrogram(y=wave.astype(np.float64), sr=fs, n_fft=n_fft,
                                             hop_length=hop, win_length=win,
                                             n_mels=self.n_mels, power=2.0)
        return (10.0 * np.log10(np.maximum(mel, 1e-20))).astype(np.float32)


class _Clock:
    """Seconds per stage of one ``observe`` (kept in ``MicrophoneArray.timings``)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.last = time.perf_counter()

    def tick(self, stage: str) -> None:
        now = time.perf_counter()
        self.seconds[stage] = self.seconds.get(stage, 0.0) + now - self.last
        self.last = now


def _check_event(e: ContactEvent, i: int) -> None:
    where = f"recording.events[{i}]"
    vals = (e.time, e.impulse, e.size_a, e.size_b, *e.position)
    if not all(math.isfinite(float(v)) for v in vals):
        raise ValueError(f"{where}: time, impulse, sizes and position must be finite")
    if e.impulse < 0 or e.size_a <= 0 or e.size_b <= 0:
        raise ValueError(f"{where}: expected impulse >= 0 and positive sizes")
    for m in (e.material_a, e.material_b):
        if m not in MATERIAL_ID:
            raise ValueError(f"{where}: unknown material {m!r}")
