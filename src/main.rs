//! The `leversim` command: parses the command line and maps results to exit codes
//! (0 success, 1 a problem in the scenario or its data, 2 a usage error).

use std::process::ExitCode;

fn main() -> ExitCode {
    leversim::cli::main()
}
