//! Tests of the mixer: conference, clipping, listen, whisper, barge, changes during a call,
//! bad input, and a randomised comparison with a naive O(N²) mix.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::*;

const CALLER: PartyId = PartyId(1);
const AGENT: PartyId = PartyId(2);
const SUPERVISOR: PartyId = PartyId(3);

/// A frame whose samples are `start`, `start + step`, … (distinct voices for distinct args).
fn ramp(start: i16, step: i16) -> PcmFrame {
    let mut f = SILENCE;
    for (i, s) in f.iter_mut().enumerate() {
        *s = start + step * i as i16;
    }
    f
}

/// The saturated sum of `frames`, computed the obvious way.
fn sum(frames: &[&PcmFrame]) -> PcmFrame {
    let mut out = SILENCE;
    for (i, o) in out.iter_mut().enumerate() {
        let s: i32 = frames.iter().map(|f| i32::from(f[i])).sum();
        *o = s.clamp(-32768, 32767) as i16;
    }
    out
}

/// One tick with these parties' frames (the others send nothing).
fn tick(mixer: &mut Mixer, frames: &[(PartyId, PcmFrame)]) {
    mixer.mix(|id| frames.iter().find(|(p, _)| *p == id).map(|(_, f)| f));
}

fn call(supervisor: Audience) -> Mixer {
    let mut m = Mixer::new();
    m.add(CALLER, Audience::Everyone).unwrap();
    m.add(AGENT, Audience::Everyone).unwrap();
    m.add(SUPERVISOR, supervisor).unwrap();
    m
}

/// The three voices of a supervised call.
fn voices() -> [(PartyId, PcmFrame); 3] {
    [
        (CALLER, ramp(100, 1)),
        (AGENT, ramp(-2000, 3)),
        (SUPERVISOR, ramp(5000, -7)),
    ]
}

fn voice(id: PartyId) -> PcmFrame {
    voices().iter().find(|(p, _)| *p == id).unwrap().1
}

#[test]
fn conference_members_hear_the_two_others_and_not_themselves() {
    let (a, b, c) = (PartyId(10), PartyId(20), PartyId(30));
    let mut m = Mixer::new();
    for id in [a, b, c] {
        m.add(id, Audience::Everyone).unwrap();
    }
    let (fa, fb, fc) = (ramp(1, 1), ramp(-300, 2), ramp(7000, -5));
    tick(&mut m, &[(a, fa), (b, fb), (c, fc)]);
    assert_eq!(m.output(a), Some(&sum(&[&fb, &fc])));
    assert_eq!(m.output(b), Some(&sum(&[&fa, &fc])));
    assert_eq!(m.output(c), Some(&sum(&[&fa, &fb])));
    let order: Vec<PartyId> = m.outputs().map(|(id, _)| id).collect();
    assert_eq!(order, [a, b, c]);
}

#[test]
fn loud_parties_clip_at_the_16_bit_limits_without_wrapping() {
    let (a, b, listener) = (PartyId(1), PartyId(2), PartyId(3));
    let mut m = Mixer::new();
    m.add(a, Audience::Everyone).unwrap();
    m.add(b, Audience::Everyone).unwrap();
    m.add(listener, Audience::Nobody).unwrap();
    // 30000 + 30000 would wrap to −5536 in i16.
    tick(&mut m, &[(a, [30000; 160]), (b, [30000; 160])]);
    assert_eq!(m.output(listener), Some(&[32767; 160]));
    assert_eq!(m.output(a), Some(&[30000; 160]));
    tick(&mut m, &[(a, [-30000; 160]), (b, [-32768; 160])]);
    assert_eq!(m.output(listener), Some(&[-32768; 160]));
    assert_eq!(m.output(b), Some(&[-30000; 160]));
    // The limits exactly, and one past them.
    let mut fa = SILENCE;
    let mut fb = SILENCE;
    fa[..4].copy_from_slice(&[32000, 32000, -32000, -32000]);
    fb[..4].copy_from_slice(&[767, 768, -768, -769]);
    tick(&mut m, &[(a, fa), (b, fb)]);
    let heard = m.output(listener).unwrap();
    assert_eq!(heard[..4], [32767i16, 32767, -32768, -32768]);
    assert!(heard[4..].iter().all(|&s| s == 0));
}

#[test]
fn a_members_mix_is_clipped_only_after_its_own_voice_is_taken_out() {
    // The total (32767 + 32767 − 32768) is out of range; each member's own mix is not.
    let (a, b, c) = (PartyId(1), PartyId(2), PartyId(3));
    let mut m = Mixer::new();
    for id in [a, b, c] {
        m.add(id, Audience::Everyone).unwrap();
    }
    tick(
        &mut m,
        &[(a, [32767; 160]), (b, [32767; 160]), (c, [-32768; 160])],
    );
    assert_eq!(m.output(a), Some(&[-1; 160]));
    assert_eq!(m.output(b), Some(&[-1; 160]));
    assert_eq!(m.output(c), Some(&[32767; 160]));
}

#[test]
fn a_listening_supervisor_hears_both_and_is_heard_by_nobody() {
    let mut m = call(Audience::Nobody);
    tick(&mut m, &voices());
    assert_eq!(m.output(CALLER), Some(&voice(AGENT)));
    assert_eq!(m.output(AGENT), Some(&voice(CALLER)));
    assert_eq!(
        m.output(SUPERVISOR),
        Some(&sum(&[&voice(CALLER), &voice(AGENT)]))
    );
}

#[test]
fn a_whispering_supervisor_is_heard_by_the_agent_only() {
    let mut m = call(Audience::Only(AGENT));
    tick(&mut m, &voices());
    assert_eq!(m.output(CALLER), Some(&voice(AGENT)));
    assert_eq!(
        m.output(AGENT),
        Some(&sum(&[&voice(CALLER), &voice(SUPERVISOR)]))
    );
    assert_eq!(
        m.output(SUPERVISOR),
        Some(&sum(&[&voice(CALLER), &voice(AGENT)]))
    );
}

#[test]
fn a_barging_supervisor_is_heard_by_both() {
    let mut m = call(Audience::Everyone);
    tick(&mut m, &voices());
    assert_eq!(
        m.output(CALLER),
        Some(&sum(&[&voice(AGENT), &voice(SUPERVISOR)]))
    );
    assert_eq!(
        m.output(AGENT),
        Some(&sum(&[&voice(CALLER), &voice(SUPERVISOR)]))
    );
    assert_eq!(
        m.output(SUPERVISOR),
        Some(&sum(&[&voice(CALLER), &voice(AGENT)]))
    );
}

#[test]
fn two_whisperers_to_one_agent_are_both_heard_by_it() {
    let coach = PartyId(4);
    let mut m = call(Audience::Only(AGENT));
    m.add(coach, Audience::Only(AGENT)).unwrap();
    let coach_voice = ramp(-40, -11);
    let mut frames = voices().to_vec();
    frames.push((coach, coach_voice));
    tick(&mut m, &frames);
    assert_eq!(
        m.output(AGENT),
        Some(&sum(&[&voice(CALLER), &voice(SUPERVISOR), &coach_voice]))
    );
    assert_eq!(m.output(CALLER), Some(&voice(AGENT)));
    // Whisperers do not hear each other.
    assert_eq!(
        m.output(coach),
        Some(&sum(&[&voice(CALLER), &voice(AGENT)]))
    );
}

#[test]
fn switching_listen_whisper_barge_takes_effect_on_the_next_tick() {
    let mut m = call(Audience::Nobody);
    let caller_and_agent = sum(&[&voice(CALLER), &voice(AGENT)]);
    let caller_and_supervisor = sum(&[&voice(CALLER), &voice(SUPERVISOR)]);
    let agent_and_supervisor = sum(&[&voice(AGENT), &voice(SUPERVISOR)]);

    tick(&mut m, &voices());
    assert_eq!(m.output(AGENT), Some(&voice(CALLER)));

    m.set_audience(SUPERVISOR, Audience::Only(AGENT)).unwrap();
    // The last tick's outputs stand until the next tick.
    assert_eq!(m.output(AGENT), Some(&voice(CALLER)));
    assert_eq!(m.audience(SUPERVISOR), Some(Audience::Only(AGENT)));
    tick(&mut m, &voices());
    assert_eq!(m.output(AGENT), Some(&caller_and_supervisor));
    assert_eq!(m.output(CALLER), Some(&voice(AGENT)));

    m.set_audience(SUPERVISOR, Audience::Everyone).unwrap();
    tick(&mut m, &voices());
    assert_eq!(m.output(AGENT), Some(&caller_and_supervisor));
    assert_eq!(m.output(CALLER), Some(&agent_and_supervisor));
    assert_eq!(m.output(SUPERVISOR), Some(&caller_and_agent));

    m.set_audience(SUPERVISOR, Audience::Nobody).unwrap();
    tick(&mut m, &voices());
    assert_eq!(m.output(AGENT), Some(&voice(CALLER)));
    assert_eq!(m.output(CALLER), Some(&voice(AGENT)));
    assert_eq!(m.output(SUPERVISOR), Some(&caller_and_agent));
}

#[test]
fn a_party_without_a_frame_contributes_nothing() {
    let mut m = call(Audience::Everyone);
    // The caller is on hold: no frame.
    tick(
        &mut m,
        &[(AGENT, voice(AGENT)), (SUPERVISOR, voice(SUPERVISOR))],
    );
    assert_eq!(
        m.output(CALLER),
        Some(&sum(&[&voice(AGENT), &voice(SUPERVISOR)]))
    );
    assert_eq!(m.output(AGENT), Some(&voice(SUPERVISOR)));
    assert_eq!(m.output(SUPERVISOR), Some(&voice(AGENT)));

    // Only the agent sends: the agent hears nobody, so there is nothing to send it.
    tick(&mut m, &[(AGENT, voice(AGENT))]);
    assert_eq!(m.output(AGENT), None);
    assert_eq!(m.output(CALLER), Some(&voice(AGENT)));

    // Nobody sends: nothing for anyone.
    tick(&mut m, &[]);
    assert!(m.outputs().all(|(_, out)| out.is_none()));

    // A frame of silence is still a frame: the others get silence to send.
    tick(&mut m, &[(AGENT, SILENCE)]);
    assert_eq!(m.output(CALLER), Some(&SILENCE));
    assert_eq!(m.output(AGENT), None);
}

#[test]
fn a_listener_who_hears_nobody_gets_nothing_to_send() {
    let mut m = call(Audience::Only(AGENT));
    // The agent hears the whisper only; the caller hears nobody.
    tick(&mut m, &[(SUPERVISOR, voice(SUPERVISOR))]);
    assert_eq!(m.output(AGENT), Some(&voice(SUPERVISOR)));
    assert_eq!(m.output(CALLER), None);
    assert_eq!(m.output(SUPERVISOR), None);
}

#[test]
fn parties_join_and_leave_during_the_call() {
    let mut m = Mixer::with_capacity(4);
    m.add(CALLER, Audience::Everyone).unwrap();
    tick(&mut m, &voices());
    // Alone: hears nobody.
    assert_eq!(m.output(CALLER), None);

    m.add(AGENT, Audience::Everyone).unwrap();
    // Joined after the last tick: nothing yet.
    assert_eq!(m.output(AGENT), None);
    tick(&mut m, &voices());
    assert_eq!(m.output(CALLER), Some(&voice(AGENT)));
    assert_eq!(m.output(AGENT), Some(&voice(CALLER)));

    m.add(SUPERVISOR, Audience::Nobody).unwrap();
    tick(&mut m, &voices());
    assert_eq!(m.len(), 3);
    assert_eq!(
        m.output(SUPERVISOR),
        Some(&sum(&[&voice(CALLER), &voice(AGENT)]))
    );

    m.remove(CALLER).unwrap();
    assert_eq!(m.output(CALLER), None);
    assert_eq!(m.audience(CALLER), None);
    tick(&mut m, &voices());
    assert_eq!(m.output(AGENT), None);
    assert_eq!(m.output(SUPERVISOR), Some(&voice(AGENT)));
    let left: Vec<PartyId> = m.outputs().map(|(id, _)| id).collect();
    assert_eq!(left, [AGENT, SUPERVISOR]);

    m.remove(AGENT).unwrap();
    m.remove(SUPERVISOR).unwrap();
    assert!(m.is_empty());
    tick(&mut m, &voices());
    assert_eq!(m.outputs().count(), 0);
}

#[test]
fn when_the_whispered_agent_leaves_the_whisper_is_heard_by_nobody() {
    let mut m = call(Audience::Only(AGENT));
    m.remove(AGENT).unwrap();
    assert_eq!(m.audience(SUPERVISOR), Some(Audience::Nobody));
    tick(&mut m, &voices());
    assert_eq!(m.output(CALLER), None);
    assert_eq!(m.output(SUPERVISOR), Some(&voice(CALLER)));
    // A new party under the old id does not inherit the whisper.
    m.add(AGENT, Audience::Everyone).unwrap();
    tick(&mut m, &voices());
    assert_eq!(m.output(AGENT), Some(&voice(CALLER)));
    assert_eq!(m.output(CALLER), Some(&voice(AGENT)));
}

#[test]
fn whispering_to_oneself_is_heard_by_nobody() {
    let mut m = call(Audience::Everyone);
    m.set_audience(SUPERVISOR, Audience::Only(SUPERVISOR))
        .unwrap();
    tick(&mut m, &voices());
    assert_eq!(m.output(CALLER), Some(&voice(AGENT)));
    assert_eq!(m.output(AGENT), Some(&voice(CALLER)));
    assert_eq!(
        m.output(SUPERVISOR),
        Some(&sum(&[&voice(CALLER), &voice(AGENT)]))
    );
    let stranger = PartyId(99);
    m.add(stranger, Audience::Only(stranger)).unwrap();
    assert_eq!(m.audience(stranger), Some(Audience::Only(stranger)));
}

#[test]
fn bad_changes_are_refused_and_leave_the_mix_unchanged() {
    let stranger = PartyId(99);
    let mut m = call(Audience::Nobody);
    assert_eq!(
        m.add(CALLER, Audience::Nobody),
        Err(MixError::AlreadyPresent(CALLER))
    );
    assert_eq!(m.audience(CALLER), Some(Audience::Everyone));
    assert_eq!(
        m.add(PartyId(5), Audience::Only(stranger)),
        Err(MixError::UnknownParty(stranger))
    );
    assert_eq!(m.audience(PartyId(5)), None);
    assert_eq!(m.remove(stranger), Err(MixError::UnknownParty(stranger)));
    assert_eq!(
        m.set_audience(stranger, Audience::Nobody),
        Err(MixError::UnknownParty(stranger))
    );
    assert_eq!(
        m.set_audience(SUPERVISOR, Audience::Only(stranger)),
        Err(MixError::UnknownParty(stranger))
    );
    assert_eq!(m.audience(SUPERVISOR), Some(Audience::Nobody));
    assert_eq!(m.len(), 3);
    assert_eq!(m.output(stranger), None);
    // Frames offered for ids not in the mix are never asked for.
    tick(&mut m, &[(stranger, [20000; 160]), (CALLER, voice(CALLER))]);
    assert_eq!(m.output(AGENT), Some(&voice(CALLER)));
    assert_eq!(
        MixError::UnknownParty(stranger).to_string(),
        "party 99 is not in the mix"
    );
}

#[test]
fn the_mix_takes_at_most_max_parties() {
    let mut m = Mixer::with_capacity(usize::MAX);
    for i in 0..MAX_PARTIES as u32 {
        m.add(PartyId(i), Audience::Everyone).unwrap();
    }
    let extra = PartyId(MAX_PARTIES as u32);
    assert_eq!(m.add(extra, Audience::Everyone), Err(MixError::Full));
    // Everyone at full scale: nothing overflows.
    let loud = [-32768; 160];
    m.mix(|_| Some(&loud));
    assert_eq!(m.output(PartyId(0)), Some(&[-32768; 160]));
}

#[test]
fn each_partys_input_is_asked_for_once_in_order() {
    let mut m = call(Audience::Only(AGENT));
    let mut asked = Vec::new();
    let frame = voice(CALLER);
    m.mix(|id| {
        asked.push(id);
        Some(&frame)
    });
    assert_eq!(asked, [CALLER, AGENT, SUPERVISOR]);
}

#[test]
fn two_parties_are_exactly_a_plain_bridge() {
    let mut rng = StdRng::seed_from_u64(0x0B51_D6E0);
    let (a, b) = (PartyId(7), PartyId(8));
    let mut m = Mixer::new();
    m.add(a, Audience::Everyone).unwrap();
    m.add(b, Audience::Everyone).unwrap();
    for _ in 0..200 {
        let mut fa = SILENCE;
        let mut fb = SILENCE;
        fa.iter_mut().for_each(|s| *s = rng.random());
        fb.iter_mut().for_each(|s| *s = rng.random());
        fa[0] = i16::MIN;
        fb[0] = i16::MIN;
        fa[1] = i16::MAX;
        fb[1] = i16::MAX;
        tick(&mut m, &[(a, fa), (b, fb)]);
        assert_eq!(m.output(a), Some(&fb));
        assert_eq!(m.output(b), Some(&fa));
    }
}

/// What each party hears, by the definition: the saturated sum of every other party whose
/// audience includes it and which sent a frame; None if there is none.
fn naive_mix(
    parties: &[(PartyId, Audience)],
    inputs: &[Option<PcmFrame>],
) -> Vec<Option<PcmFrame>> {
    parties
        .iter()
        .map(|&(listener, _)| {
            let mut sums = [0i64; 160];
            let mut heard = false;
            for (&(speaker, audience), input) in parties.iter().zip(inputs) {
                let reaches = match audience {
                    Audience::Everyone => true,
                    Audience::Nobody => false,
                    Audience::Only(target) => target == listener,
                };
                let Some(frame) = input else { continue };
                if speaker == listener || !reaches {
                    continue;
                }
                heard = true;
                for (s, &x) in sums.iter_mut().zip(frame) {
                    *s += i64::from(x);
                }
            }
            heard.then(|| sums.map(|s| s.clamp(-32768, 32767) as i16))
        })
        .collect()
}

fn random_audience(rng: &mut StdRng, parties: &[(PartyId, Audience)]) -> Audience {
    match rng.random_range(0..4) {
        0 | 1 => Audience::Everyone,
        2 => Audience::Nobody,
        _ => Audience::Only(parties[rng.random_range(0..parties.len())].0),
    }
}

fn random_frame(rng: &mut StdRng) -> PcmFrame {
    let mut f = SILENCE;
    match rng.random_range(0..3) {
        // Speech-like levels.
        0 => f
            .iter_mut()
            .for_each(|s| *s = rng.random_range(-4000..=4000)),
        // Anything.
        1 => f.iter_mut().for_each(|s| *s = rng.random()),
        // Shouting: near the limits, to clip.
        _ => f.iter_mut().for_each(|s| {
            let m = rng.random_range(28000..=32768);
            *s = if rng.random() {
                (m - 1) as i16
            } else {
                (-m) as i16
            };
        }),
    }
    f
}

#[test]
fn matches_a_naive_mix_on_random_calls() {
    let mut rng = StdRng::seed_from_u64(0x31C5_0001);
    for n in 1..=12usize {
        for _ in 0..30 {
            let mut mixer = Mixer::new();
            let mut parties: Vec<(PartyId, Audience)> = Vec::new();
            let mut next_id = 0u32;
            for _ in 0..n {
                let id = PartyId(next_id);
                next_id += rng.random_range(1..4);
                parties.push((id, Audience::Everyone));
                let audience = random_audience(&mut rng, &parties);
                parties.last_mut().unwrap().1 = audience;
                mixer.add(id, audience).unwrap();
            }
            for _ in 0..8 {
                // Some changes between ticks: an audience, or a party leaving and another
                // joining.
                match rng.random_range(0..4) {
                    0 => {
                        let at = rng.random_range(0..parties.len());
                        let audience = random_audience(&mut rng, &parties);
                        parties[at].1 = audience;
                        mixer.set_audience(parties[at].0, audience).unwrap();
                    }
                    1 => {
                        let (gone, _) = parties.remove(rng.random_range(0..parties.len()));
                        mixer.remove(gone).unwrap();
                        for p in &mut parties {
                            if p.1 == Audience::Only(gone) {
                                p.1 = Audience::Nobody;
                            }
                        }
                        let id = PartyId(next_id);
                        next_id += 1;
                        parties.push((id, Audience::Everyone));
                        let audience = random_audience(&mut rng, &parties);
                        parties.last_mut().unwrap().1 = audience;
                        mixer.add(id, audience).unwrap();
                    }
                    _ => {}
                }
                for &(id, audience) in &parties {
                    assert_eq!(mixer.audience(id), Some(audience));
                }
                let inputs: Vec<Option<PcmFrame>> = parties
                    .iter()
                    .map(|_| rng.random_bool(0.8).then(|| random_frame(&mut rng)))
                    .collect();
                mixer.mix(|id| {
                    let at = parties.iter().position(|p| p.0 == id).unwrap();
                    inputs[at].as_ref()
                });
                let expected = naive_mix(&parties, &inputs);
                for (&(id, audience), want) in parties.iter().zip(&expected) {
                    assert_eq!(
                        mixer.output(id),
                        want.as_ref(),
                        "n={n} party {id:?} ({audience:?}) in {parties:?}"
                    );
                }
                assert_eq!(mixer.len(), parties.len());
            }
        }
    }
}
