//! How the harness moves what the parts produce between them, as the engine's shell does: the
//! SIP core's events turned into the call core's inputs, the router's outputs fed back, every
//! output of the call core applied (legs, lookups, records, SIP orders), with the per-step
//! invariant checks.

use super::*;

impl Sim {
    /// The SIP core's events reach the call core (as the shell turns them into its inputs),
    /// unless held.
    pub(super) fn deliver_sip(&mut self) {
        if self.sip_held {
            return;
        }
        while let Some(ev) = self.sip.events.pop_front() {
            if let Some(input) = self.sip_input(ev) {
                self.core.handle(self.now, input);
            }
        }
    }

    /// What the shell makes of a SIP event (binding a port and checking the registrar for a
    /// new call, answering a re-INVITE).
    pub(super) fn sip_input(&mut self, ev: SipEvent) -> Option<Input> {
        Some(match ev {
            SipEvent::Incoming(inc) => {
                self.sip.call_of.insert(inc.sip_call_id.clone(), inc.call);
                self.sip.sip_id.insert(inc.call, inc.sip_call_id.clone());
                let admitted = if self.world.lock().unwrap().bind(inc.call) {
                    Ok(())
                } else {
                    Err(503)
                };
                let extension = admitted.is_ok()
                    && inc.callee != inc.caller
                    && !self.sip.core.locate(&inc.callee, self.now.mono).is_empty();
                Input::Incoming(Incoming {
                    call: inc.call,
                    caller: inc.caller,
                    caller_display: inc.caller_display,
                    callee: inc.callee,
                    extension,
                    admitted,
                })
            }
            SipEvent::Confirmed { call } => Input::Confirmed(call),
            SipEvent::Reoffer { call, .. } => {
                self.sip.command(Command::AnswerReoffer {
                    call,
                    answer: Ok(sip::SDP.as_bytes().to_vec()),
                });
                return None;
            }
            SipEvent::Progress { call, code } => Input::Progress { call, code },
            SipEvent::Answered { call, answer } => Input::Answered {
                call,
                usable: answer.is_some_and(|a| String::from_utf8_lossy(&a).contains("m=audio")),
            },
            SipEvent::Ended { call, reason } => {
                self.ended.insert(call, reason);
                Input::Ended { call, reason }
            }
            SipEvent::Registration { user, contacts } => Input::Registration { user, contacts },
            SipEvent::Refer { call, refer_to } => {
                let replaces = refer_to
                    .replaces
                    .map(|r| match self.sip.call_of.get(&r.call_id) {
                        Some(c) => hotline_call::control::ReferReplaces::Call(*c),
                        None => hotline_call::control::ReferReplaces::Unknown,
                    });
                Input::Refer {
                    call,
                    user: refer_to.user,
                    replaces,
                }
            }
        })
    }

    /// Delivers everything in flight until nothing moves.
    pub fn settle(&mut self) {
        for _ in 0..100_000 {
            while let Some(out) = self.core.poll_output() {
                self.apply(out);
            }
            if !self.router_held {
                while let Some(i) = self.to_router.pop_front() {
                    self.router.handle(self.now, i);
                }
            }
            self.drain_router();
            self.check_step();
            if let Some(i) = self.to_core.pop_front() {
                self.core.handle(self.now, i);
                continue;
            }
            if !self.sip_held && !self.sip.events.is_empty() {
                self.deliver_sip();
                continue;
            }
            return;
        }
        panic!("the simulation does not settle");
    }

    pub(super) fn drain_router(&mut self) {
        while let Some(o) = self.router.poll_output() {
            self.router_outputs.push(o.clone());
            self.to_core.push_back(Input::Acd(o));
        }
    }

    /// After each delivery: the router's invariants hold, no caller rings two phones and no
    /// phone rings for two callers.
    pub(super) fn check_step(&self) {
        if let Err(e) = self.router.router().check_invariants() {
            panic!("router invariant broken: {e}");
        }
        let mut users = BTreeSet::new();
        let mut callers = BTreeSet::new();
        for d in self.sip.dialogs.values() {
            // A phone whose messages are delayed may not know yet that the engine cancelled.
            if d.role != Role::Callee || d.state != UaState::Ringing || self.sip.is_delayed(d.addr)
            {
                continue;
            }
            let user = d.invite.split(' ').nth(1).unwrap_or("").to_string();
            let user = user.split('@').next().unwrap_or("").to_string();
            assert!(users.insert(user.clone()), "{user} rung twice at once");
            if let Some(c) = sip::header(&d.invite, "X-Hotline-Call") {
                assert!(
                    callers.insert(c.to_string()),
                    "caller {c} offered twice at once"
                );
            }
        }
    }

    /// Carries out one output of the core as the shell and the SIP layer would.
    pub(super) fn apply(&mut self, out: Output) {
        match out {
            Output::Sip(order) => {
                self.sip_orders.push(order.clone());
                self.sip_order(order);
            }
            Output::StartLeg(call) => {
                assert!(
                    self.world.lock().unwrap().bound.contains(&call),
                    "{call}: leg without a port"
                );
                assert!(
                    self.legs.insert(call, Leg::default()).is_none(),
                    "{call}: leg started twice"
                );
            }
            Output::Leg { call, order } => {
                let Some(leg) = self.legs.get_mut(&call) else {
                    return;
                };
                match order {
                    LegOrder::Play { sounds, .. } => {
                        if leg.playing.replace(sounds.clone()).is_some() {
                            self.to_core.push_back(Input::Leg {
                                call,
                                event: LegEvent::PlaybackDone { interrupted: true },
                            });
                        }
                        leg.played.push(sounds);
                    }
                    LegOrder::StopPlayback => {
                        if leg.playing.take().is_some() {
                            self.to_core.push_back(Input::Leg {
                                call,
                                event: LegEvent::PlaybackDone { interrupted: true },
                            });
                        }
                    }
                    LegOrder::Music(m) => leg.music = m,
                    LegOrder::Unbridge => leg.bridged = None,
                    LegOrder::StopRecording => leg.feeds = None,
                }
            }
            Output::Mix {
                room,
                party,
                audience,
            } => {
                let leg = self
                    .legs
                    .get_mut(&party)
                    .unwrap_or_else(|| panic!("{party} mixed without a leg"));
                assert_eq!(leg.bridged, None, "{party} mixed while bridged");
                if let Some((r, _)) = leg.mix {
                    assert_eq!(r, room, "{party} in two mixes");
                }
                leg.mix = Some((room, audience));
            }
            Output::Unmix { room, party } => {
                if let Some(l) = self
                    .legs
                    .get_mut(&party)
                    .filter(|l| l.mix.is_some_and(|(r, _)| r == room))
                {
                    l.mix = None;
                }
            }
            Output::Bridge(a, b) => {
                assert!(
                    self.legs.contains_key(&a) && self.legs.contains_key(&b),
                    "bridge of {a} and {b} without legs"
                );
                assert!(
                    self.legs[&a].mix.is_none() && self.legs[&b].mix.is_none(),
                    "bridge of {a} and {b} while in a mix"
                );
                self.legs.get_mut(&a).unwrap().bridged = Some(b);
                self.legs.get_mut(&b).unwrap().bridged = Some(a);
            }
            Output::Unbridge(a, b) => {
                for (x, y) in [(a, b), (b, a)] {
                    if let Some(l) = self.legs.get_mut(&x).filter(|l| l.bridged == Some(y)) {
                        l.bridged = None;
                    }
                }
            }
            Output::Record { call, legs, of, .. } => {
                self.recorded.insert(call);
                self.recordings.push((call, of));
                for (leg, _, _) in legs {
                    if let Some(l) = self.legs.get_mut(&leg) {
                        l.feeds = Some(call);
                    }
                }
            }
            Output::Release(call) => {
                assert!(self.released.insert(call), "{call} released twice");
                self.legs.remove(&call);
                let mut w = self.world.lock().unwrap();
                if w.bound.remove(&call) {
                    w.free_ports += 1;
                }
            }
            Output::Acd(i) => self.to_router.push_back(i),
            Output::Registration { user, contacts } => {
                let (agent, change) = {
                    let mut w = self.world.lock().unwrap();
                    let change = Change::of(w.registered.contains(&user), contacts);
                    if contacts > 0 {
                        w.registered.insert(user.clone());
                    } else {
                        w.registered.remove(&user);
                    }
                    (w.sip_user(&user), change)
                };
                if let Some(agent) = agent {
                    match change {
                        Change::Unchanged => {}
                        Change::Registered | Change::Unregistered => {
                            self.to_router
                                .push_back(hotline_acd::Input::AgentRegistered {
                                    agent,
                                    registered: change == Change::Registered,
                                })
                        }
                    }
                }
            }
            Output::Log(e) => self.logs.push(e),
            Output::Live(l) => self.live.push(l),
            Output::Lookup { call, id, request } => self.lookup(call, id, request),
            Output::OpenTicket { call, id, .. } => {
                let result = match self.store {
                    Store::Up => {
                        self.next_ticket += 1;
                        Ok(TicketInfo {
                            id: self.next_ticket,
                            number: format!("2026{:04}", self.next_ticket),
                            dispatched: false,
                        })
                    }
                    Store::Down => Err("store down".into()),
                    Store::Slow => return,
                };
                self.to_core.push_back(Input::Ivr {
                    call,
                    event: hotline_ivr::interp::Event::Ticket { id, result },
                });
            }
            Output::QueueTicket { call, request } => {
                // The English summary (the engine's language here is Chinese).
                let en = request
                    .summaries
                    .iter()
                    .find(|(l, _)| l == "en")
                    .map(|(_, s)| s.clone());
                assert!(
                    request
                        .summaries
                        .iter()
                        .any(|(l, s)| l == "zh" && *s == request.summary),
                    "the summary is the Chinese one: {request:?}"
                );
                self.queue_tickets
                    .push((call, en.unwrap_or(request.summary)));
                let number = match self.store {
                    Store::Up => {
                        self.next_ticket += 1;
                        Some(format!("2026{:04}", self.next_ticket))
                    }
                    Store::Down => None,
                    Store::Slow => return,
                };
                self.to_core.push_back(Input::QueueTicket { call, number });
            }
            Output::DeskReply { request, result } => {
                self.desk_replies.insert(request, result);
            }
            Output::Metric(Metric::Unexpected(what)) => self.unexpected.push(what),
            Output::NotifyResult { id, outcome } => self.notified.push((id, outcome)),
            Output::CampaignResult { id, outcome } => self.campaigned.push((id, outcome)),
            Output::CampaignAnswered { id } => self.campaign_answered.push(id),
            Output::Metric(Metric::SurveyOffered) => self.surveys.0 += 1,
            Output::Metric(Metric::SurveyAnswered) => self.surveys.1 += 1,
            Output::Metric(_) => {}
        }
    }

    pub(super) fn lookup(&mut self, call: CallId, id: u64, request: LookupRequest) {
        let result = match self.store {
            Store::Slow => return self.lookups.push_back((call, id, request)),
            Store::Down => LookupResult::Failed("store down".into()),
            Store::Up => match &request {
                LookupRequest::CustomerByCaller { .. } => {
                    let mut fields = BTreeMap::new();
                    fields.insert(
                        "account".to_string(),
                        hotline_ivr::Value::Text("3100000001".into()),
                    );
                    LookupResult::Found(hotline_ivr::Value::Record(fields))
                }
                LookupRequest::SubmitSurvey { .. } => {
                    LookupResult::Found(hotline_ivr::Value::Bool(true))
                }
                _ => LookupResult::NotFound,
            },
        };
        self.to_core.push_back(Input::Ivr {
            call,
            event: hotline_ivr::interp::Event::Lookup { id, result },
        });
    }

    /// The shell turns the call core's SIP order into the SIP core's command (with SDP).
    pub(super) fn sip_order(&mut self, order: SipOrder) {
        let cmd = match order {
            SipOrder::Ringing(call) => Command::Ringing(call),
            SipOrder::Answer(call) => Command::Answer {
                call,
                answer: sip::SDP.as_bytes().to_vec(),
            },
            SipOrder::Reject { call, code } => Command::Reject { call, code },
            SipOrder::Hangup(call) => Command::Hangup(call),
            SipOrder::NotifyRefer { call, status } => {
                self.refer_results.push((call, status));
                Command::NotifyRefer { call, status }
            }
            SipOrder::Dial(d) => {
                assert!(
                    self.world.lock().unwrap().bound.contains(&d.call),
                    "{}: dialled without a port",
                    d.call
                );
                self.dialled.insert(d.call, d.user.clone());
                let call = d.call;
                self.sip.command(Command::Dial(hotline_sip::Dial {
                    call: d.call,
                    user: d.user,
                    gateway: d.gateway,
                    from_user: d.from_user,
                    from_display: d.from_display,
                    offer: sip::SDP.as_bytes().to_vec(),
                    headers: d.headers,
                    ring_timeout: d.ring_timeout,
                }));
                if let Some(id) = self.sip.take_last_invite() {
                    self.sip.call_of.insert(id.clone(), call);
                    self.sip.sip_id.insert(call, id);
                }
                return;
            }
        };
        self.sip.command(cmd);
    }
}
