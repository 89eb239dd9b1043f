//! `hotline recordings rekey`: after a key rotation (the new key in `HOTLINE_RECORDING_KEY`,
//! the old ones in `HOTLINE_RECORDING_KEYS_OLD`), every finished recording under the data
//! folder's `recordings/` sealed under an old key is sealed again under the new one
//! (`hotline_media::recording::rekey_dir`), so the old keys can then be retired. Safe while
//! the engine runs: a recording still being written is not closed yet and is left for a later
//! run. Prints one line per file changed or refused and a summary; exits non-zero when a file
//! could not be rekeyed.

use std::path::Path;
use std::process::ExitCode;

use clap::Subcommand;
use hotline_media::recording::{rekey_dir, Keyring, RekeyOutcome};

/// What `hotline recordings` does.
#[derive(Debug, Subcommand)]
pub enum RecordingsCommand {
    /// Seal every finished recording an older key sealed under the current key.
    Rekey,
}

/// Runs `cmd` on the recordings folder `dir` with `keys`.
pub fn run(cmd: &RecordingsCommand, dir: &Path, keys: &Keyring) -> ExitCode {
    match cmd {
        RecordingsCommand::Rekey => rekey(dir, keys),
    }
}

fn rekey(dir: &Path, keys: &Keyring) -> ExitCode {
    if keys.current().is_none() {
        eprintln!(
            "hotline: recordings rekey: no current key: set HOTLINE_RECORDING_KEY (or \
             HOTLINE_RECORDING_KEY_FILE) to the new key and HOTLINE_RECORDING_KEYS_OLD to the old"
        );
        return ExitCode::from(crate::cli::EXIT_CONFIG);
    }
    if !dir.is_dir() {
        println!("no recordings folder at {}: nothing to do", dir.display());
        return ExitCode::SUCCESS;
    }
    let (mut rekeyed, mut current, mut plain, mut failed) = (0u64, 0u64, 0u64, 0u64);
    for r in rekey_dir(dir, keys) {
        match r.outcome {
            RekeyOutcome::Rekeyed { from, plain_bytes } => {
                rekeyed += 1;
                println!(
                    "rekeyed {} (was key {from}, {plain_bytes} bytes of audio)",
                    r.path.display()
                );
            }
            RekeyOutcome::Current => current += 1,
            RekeyOutcome::Plain => plain += 1,
            RekeyOutcome::Failed(why) => {
                failed += 1;
                println!("not rekeyed {}: {why}", r.path.display());
            }
        }
    }
    println!(
        "{rekeyed} rekeyed, {current} under the current key already, {plain} plain (not \
         encrypted), {failed} not rekeyed"
    );
    if failed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
