//! The type-ahead buffer: digits a caller keys before the IVR asks for them.
//!
//! Callers who know the menu press `2`, `1`, their account number and `#` while the greeting
//! still plays; the IVR reads them from here when it reaches each question. The buffer is
//! bounded: when full, the oldest digit is dropped (and counted), so a caller leaning on a key
//! cannot grow memory, and what is kept is the newest input.

use std::collections::VecDeque;

/// The capacity of [`TypeAhead::default`].
pub const DEFAULT_CAPACITY: usize = 32;

/// A bounded FIFO of digits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeAhead {
    digits: VecDeque<char>,
    capacity: usize,
    dropped: u64,
}

impl Default for TypeAhead {
    fn default() -> Self {
        Self::new(DEFAULT_CAPACITY)
    }
}

impl TypeAhead {
    /// An empty buffer holding at most `capacity` digits (at least 1).
    pub fn new(capacity: usize) -> Self {
        let capacity = capacity.max(1);
        TypeAhead {
            digits: VecDeque::with_capacity(capacity),
            capacity,
            dropped: 0,
        }
    }

    /// Adds a digit at the back; if the buffer was full, the oldest digit is dropped and
    /// returned.
    pub fn push(&mut self, digit: char) -> Option<char> {
        let dropped = if self.digits.len() >= self.capacity {
            self.dropped += 1;
            self.digits.pop_front()
        } else {
            None
        };
        self.digits.push_back(digit);
        dropped
    }

    /// Takes the oldest digit.
    pub fn pop_front(&mut self) -> Option<char> {
        self.digits.pop_front()
    }

    /// If `terminator` is in the buffer: removes everything up to and including its first
    /// occurrence and returns the digits before it (`"1234#5"` gives `"1234"` and leaves
    /// `"5"`). Otherwise `None`, and the buffer is unchanged.
    pub fn take_until(&mut self, terminator: char) -> Option<String> {
        let at = self.digits.iter().position(|&d| d == terminator)?;
        let taken: String = self.digits.drain(..at).collect();
        self.digits.pop_front();
        Some(taken)
    }

    /// Takes every digit, oldest first.
    pub fn drain_all(&mut self) -> String {
        self.digits.drain(..).collect()
    }

    /// Empties the buffer (say, when a menu forbids type-ahead); the drop count stays.
    pub fn clear(&mut self) {
        self.digits.clear();
    }

    /// How many digits are waiting.
    pub fn len(&self) -> usize {
        self.digits.len()
    }

    /// Whether no digit is waiting.
    pub fn is_empty(&self) -> bool {
        self.digits.is_empty()
    }

    /// The most digits held.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// How many digits have been dropped because the buffer was full, ever.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }
}
