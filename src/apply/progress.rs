//! Progress of an apply: on a terminal a live line per container, redrawn in place; when
//! piped, one plain line per state change.

use std::io::Write as _;
use std::sync::Mutex;
use std::time::Instant;

pub struct Progress {
    live: bool,
    /// `--quiet`: nothing at all.
    quiet: bool,
    started: Instant,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    rows: Vec<(String, String)>,
    /// Lines drawn by the last redraw (live mode).
    drawn: usize,
}

impl Progress {
    /// `live`: redraw lines in place (a terminal on stderr).
    pub fn new(live: bool) -> Self {
        Self {
            live,
            quiet: false,
            started: Instant::now(),
            state: Mutex::new(State::default()),
        }
    }

    /// Prints nothing at all (`--quiet`).
    pub fn silent() -> Self {
        Self {
            quiet: true,
            ..Self::new(false)
        }
    }

    /// Whether lines are redrawn in place (a terminal).
    pub fn is_live(&self) -> bool {
        self.live
    }

    pub fn update(&self, name: &str, status: &str) {
        if self.quiet {
            return;
        }
        let Ok(mut st) = self.state.lock() else {
            return;
        };
        match st.rows.iter_mut().find(|(n, _)| n == name) {
            Some(row) if row.1 == status => return,
            Some(row) => row.1 = status.to_string(),
            None => st.rows.push((name.to_string(), status.to_string())),
        }
        if self.live {
            self.redraw(&mut st);
        } else if status != "waiting" {
            let _ = writeln!(
                std::io::stderr().lock(),
                "[{:>5.1}s] {name}: {status}",
                self.started.elapsed().as_secs_f64()
            );
        }
    }

    /// A line that is not about one container.
    pub fn note(&self, text: &str) {
        if self.quiet {
            return;
        }
        let Ok(mut st) = self.state.lock() else {
            return;
        };
        let mut err = std::io::stderr().lock();
        if self.live && st.drawn > 0 {
            let _ = write!(err, "\x1b[{}A\x1b[J", st.drawn);
            st.drawn = 0;
        }
        let _ = writeln!(
            err,
            "[{:>5.1}s] {text}",
            self.started.elapsed().as_secs_f64()
        );
        if self.live {
            drop(err);
            self.redraw(&mut st);
        }
    }

    fn redraw(&self, st: &mut State) {
        let mut err = std::io::stderr().lock();
        if st.drawn > 0 {
            let _ = write!(err, "\x1b[{}A", st.drawn);
        }
        let width = st.rows.iter().map(|(n, _)| n.len()).max().unwrap_or(0);
        for (name, status) in &st.rows {
            let _ = writeln!(err, "\x1b[2K  {name:<width$}  {status}");
        }
        st.drawn = st.rows.len();
        let _ = err.flush();
    }
}
