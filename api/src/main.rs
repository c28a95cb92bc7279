use std::process::ExitCode;

fn main() -> ExitCode {
    retning_api::cli::main()
}
