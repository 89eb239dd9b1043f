//! The `hotline` binary: everything is in the library; see [`hotline::cli`].

fn main() -> std::process::ExitCode {
    hotline::cli::main()
}
