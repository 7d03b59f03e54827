//! What the command prints on standard output. A closed pipe (`exactspike sample ... | head`)
//! silences the rest instead of ending the run: the job goes on and finishes its file.

use std::io::Write;

/// Print `text` and a newline on standard output; an error (a closed pipe) is ignored.
pub fn line(text: std::fmt::Arguments<'_>) {
    let _ = writeln!(std::io::stdout(), "{text}");
}

/// Print `text` on standard output without a newline; an error is ignored.
pub fn text(text: std::fmt::Arguments<'_>) {
    let _ = write!(std::io::stdout(), "{text}");
}

/// `println!` for the command's output, ignoring a closed pipe.
macro_rules! say {
    ($($arg:tt)*) => {
        $crate::cli::say::line(format_args!($($arg)*))
    };
}

/// `print!` for the command's output, ignoring a closed pipe.
macro_rules! say_more {
    ($($arg:tt)*) => {
        $crate::cli::say::text(format_args!($($arg)*))
    };
}

pub(crate) use {say, say_more};
