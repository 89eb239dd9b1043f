//! The system prompts the controller plays outside flows (queue announcements, the staff
//! number, the callback offer and confirmation, farewells, the notice to an agent whose
//! callback customer is busy): a typed set, so that every one is checked in every language at
//! start instead of being skipped in silence when missing.

/// Declares the named system prompts once: the enum's variants, their file names and the
/// list [`SystemPrompt::all`] checks at start come from the same lines, so a prompt cannot be
/// added to one and forgotten in another.
macro_rules! system_prompts {
    ($( $(#[$doc:meta])* $variant:ident => $name:literal, )*) => {
        /// One system prompt (a file `<language>/<name>.wav`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum SystemPrompt {
            $( $(#[$doc])* $variant, )*
            /// One digit, 0–9 (staff and ticket numbers are read digit by digit).
            Digit(u8),
        }

        /// Every named system prompt with its file name.
        const NAMED: &[(SystemPrompt, &str)] = &[ $( (SystemPrompt::$variant, $name), )* ];
    };
}

system_prompts! {
    /// 工号 / "Agent number".
    AgentIntro => "agent_intro",
    /// 为您服务 / "is at your service".
    AgentServing => "agent_serving",
    /// 通话结束后请不要挂机，为本次服务评价 / "please stay on the line after the call to rate it".
    SurveyInvite => "survey_invite",
    QueuePositionBefore => "queue_position_before",
    QueuePositionAfter => "queue_position_after",
    QueueWaitBefore => "queue_wait_before",
    QueueWaitMinutes => "queue_wait_minutes",
    QueueCallbackOffer => "queue_callback_offer",
    QueueCallbackConfirm => "queue_callback_confirm",
    QueueAllBusy => "queue_all_busy",
    /// To a campaign's customer no agent answered in time: sorry, we call again later, goodbye.
    CampaignNoAgent => "campaign_no_agent",
    QueueTicketLeft => "queue_ticket_left",
    /// 现在是非工作时间，人工服务时间为 / "We are closed now. Our agents are available" (the
    /// opening hours follow).
    ClosedHours => "closed_hours",
    /// Closed: the call is noted, the centre calls back once open.
    QueueClosedTicket => "queue_closed_ticket",
    TicketNumber => "ticket_number",
    Goodbye => "goodbye",
    /// To the agent of a callback: the customer's line is busy.
    CallbackCustomerBusy => "callback_customer_busy",
    /// To the agent of a callback: the customer did not answer.
    CallbackNoAnswer => "callback_no_answer",
    /// After a notification's message: 确认收到请按1 / "press 1 to acknowledge".
    NotifyAck => "notify_ack",
    /// The notification acknowledged: 已确认，谢谢 / "acknowledged, thank you".
    NotifyThanks => "notify_thanks",
    /// A dispatch phone's call: 新工单派往您片区 / "a new work order for your district".
    DispatchNew => "dispatch_new",
    /// 紧急 / "urgent".
    DispatchUrgent => "dispatch_urgent",
}

impl SystemPrompt {
    /// Every system prompt: the named ones and the ten digits.
    pub fn all() -> Vec<SystemPrompt> {
        let mut v: Vec<SystemPrompt> = NAMED.iter().map(|(p, _)| *p).collect();
        v.extend((0..10).map(SystemPrompt::Digit));
        v
    }

    /// The prompt's file name (without `.wav`).
    pub fn name(self) -> String {
        match self {
            SystemPrompt::Digit(d) => format!("digit_{}", d.min(9)),
            named => NAMED
                .iter()
                .find(|(p, _)| *p == named)
                .map_or_else(String::new, |(_, n)| (*n).to_string()),
        }
    }

    /// The file names of `prompts`, in order.
    pub fn names(prompts: &[SystemPrompt]) -> Vec<String> {
        prompts.iter().map(|p| p.name()).collect()
    }

    /// The digits of `number` (other characters skipped).
    pub fn digits(number: &str) -> impl Iterator<Item = SystemPrompt> + '_ {
        number
            .chars()
            .filter_map(|c| c.to_digit(10))
            .map(|d| SystemPrompt::Digit(d as u8))
    }

    /// 工号 1023 为您服务: the staff-number announcement.
    pub fn staff_number(staff_no: &str) -> Vec<SystemPrompt> {
        let mut v = vec![SystemPrompt::AgentIntro];
        v.extend(Self::digits(staff_no));
        v.push(SystemPrompt::AgentServing);
        v
    }

    /// Checks that every system prompt exists in every language (`exists(language, name)`);
    /// lists each missing one as `<language>/<name>.wav`.
    pub fn check<F: Fn(&str, &str) -> bool>(languages: &[&str], exists: F) -> Result<(), String> {
        let missing: Vec<String> = languages
            .iter()
            .flat_map(|lang| {
                SystemPrompt::all()
                    .into_iter()
                    .map(|p| p.name())
                    .filter(|n| !exists(lang, n))
                    .map(move |n| format!("{lang}/{n}.wav"))
                    .collect::<Vec<_>>()
            })
            .collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(format!("missing system prompts: {}", missing.join(", ")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_staff_number_is_read_digit_by_digit() {
        let names: Vec<String> = SystemPrompt::staff_number("10a3")
            .into_iter()
            .map(SystemPrompt::name)
            .collect();
        assert_eq!(
            names,
            [
                "agent_intro",
                "digit_1",
                "digit_0",
                "digit_3",
                "agent_serving"
            ]
        );
    }

    #[test]
    fn a_missing_prompt_is_named_with_its_language() {
        let err = SystemPrompt::check(&["zh", "en"], |lang, name| {
            !(lang == "en" && name == "goodbye")
        })
        .unwrap_err();
        assert_eq!(err, "missing system prompts: en/goodbye.wav");
        assert!(SystemPrompt::check(&["zh"], |_, _| true).is_ok());
        assert_eq!(SystemPrompt::all().len(), 32);
    }

    #[test]
    fn every_prompt_has_its_own_file_name() {
        let names: std::collections::HashSet<String> = SystemPrompt::all()
            .into_iter()
            .map(SystemPrompt::name)
            .collect();
        assert_eq!(names.len(), SystemPrompt::all().len());
        assert!(!names.contains(""));
    }
}
