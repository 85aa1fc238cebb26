//! A Raft node's log as a grid: one cell per entry, coloured by term, in rows of `ROW` entries aligned
//! on the index (so every node's rows line up) with the row's first index as the scale. Committed
//! entries are filled, uncommitted ones hollow; applied entries carry a dot; the commit and applied
//! boundaries are bars after their cell; entries folded into the snapshot are hatched. On a leader, a
//! table gives each follower's match and next index and progress state.

use quorate_view::{FollowerView, LogCell, LogMarks};
use yew::prelude::*;

use crate::glossary::{term, term_as};

/// Entries per row.
pub const ROW: u64 = 20;

/// Distinct term colours before they repeat (CSS classes `t0`..`t7`).
pub const PALETTE: u64 = 8;

#[derive(Properties, PartialEq)]
pub struct LogGridProps {
    pub id: u32,
    pub cells: Vec<LogCell>,
    pub marks: Option<LogMarks>,
    #[prop_or_default]
    pub followers: Vec<FollowerView>,
}

/// The first index of the row holding `index` (indexes start at 1).
pub fn row_start(index: u64) -> u64 {
    (index.max(1) - 1) / ROW * ROW + 1
}

#[component]
pub fn LogGrid(props: &LogGridProps) -> Html {
    let marks = props.marks.unwrap_or_default();
    let first = props.cells.first().map(|c| c.index);
    let last = props.cells.last().map_or(marks.last, |c| c.index);
    // Rows from the first cell shown (or the snapshot boundary when the log is empty after it).
    let start = row_start(first.unwrap_or(marks.snapshot_index.max(1)));
    let rows: Vec<u64> = (0..)
        .map(|r| start + r * ROW)
        .take_while(|&r| r <= last.max(start))
        .collect();
    let cell_at = |index: u64| {
        first
            .filter(|&f| index >= f)
            .and_then(|f| props.cells.get((index - f) as usize))
    };
    let mut terms: Vec<u64> = props.cells.iter().map(|c| c.term).collect();
    terms.dedup();
    let id = props.id;
    html! {
        <div class="log-strip" role="group" aria-label={format!("log of n{id}")} data-testid={format!("log-n{id}")}
            data-commit={marks.commit.to_string()} data-applied={marks.applied.to_string()}
            data-snapshot={marks.snapshot_index.to_string()}>
            { for rows.iter().map(|&row| html! {
                <div class="log-row">
                    <span class="scale">{ row }</span>
                    { for (row..row + ROW).map(|index| slot(index, cell_at(index), &marks)) }
                </div>
            }) }
            if props.cells.is_empty() && marks.snapshot_index == 0 {
                <span class="empty">{ "empty log" }</span>
            }
            <div class="log-terms">
                if marks.snapshot_index > 0 {
                    <span class="swatch compacted-key">{ term_as(&format!("snapshot ≤ {} (term {})", marks.snapshot_index, marks.snapshot_term), "snapshot") }</span>
                }
                { for terms.iter().map(|t| html! {
                    <span class={classes!("swatch", term_class(*t))}>{ term_as(&format!("term {t}"), "term") }</span>
                }) }
                <span class="marks">{ term("commit") }{ format!(" {} · ", marks.commit) }{ term("applied") }{ format!(" {}", marks.applied) }</span>
            </div>
            if !props.followers.is_empty() {
                <table class="progress" data-testid={format!("progress-n{id}")}>
                    <thead><tr>
                        <th scope="col">{ "follower" }</th>
                        <th scope="col">{ term("match") }</th>
                        <th scope="col">{ term("next") }</th>
                        <th scope="col">{ term("progress") }</th>
                    </tr></thead>
                    <tbody>
                        { for props.followers.iter().map(|f| html! {
                            <tr>
                                <td>{ format!("n{}", f.id) }</td>
                                <td>{ f.matched }</td>
                                <td>{ f.next }</td>
                                <td>{ term(&f.state) }</td>
                            </tr>
                        }) }
                    </tbody>
                </table>
            }
        </div>
    }
}

pub fn term_class(term: u64) -> String {
    format!("t{}", term % PALETTE)
}

fn slot(index: u64, cell: Option<&LogCell>, marks: &LogMarks) -> Html {
    let bars = classes!(
        (index == marks.commit).then_some("commit-mark"),
        (index == marks.applied).then_some("applied-mark"),
    );
    match cell {
        Some(c) => {
            let applied = c.index <= marks.applied;
            let title = format!(
                "index {} · term {} · {}{}{}",
                c.index,
                c.term,
                c.label,
                if c.committed { " · committed" } else { "" },
                if applied { " · applied" } else { "" },
            );
            html! {
                <span class={classes!("cell", term_class(c.term), c.committed.then_some("committed"), applied.then_some("applied"), bars)}
                    title={title}></span>
            }
        }
        None if index <= marks.snapshot_index => html! {
            <span class={classes!("slot", "compacted", bars)} title={format!("index {index} · compacted into the snapshot")}></span>
        },
        None if index <= marks.last => html! { <span class="slot elided"></span> },
        None => html! { <span class="slot"></span> },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_start_on_multiples_of_the_row_length_plus_one() {
        assert_eq!(row_start(1), 1);
        assert_eq!(row_start(20), 1);
        assert_eq!(row_start(21), 21);
        assert_eq!(row_start(0), 1);
    }
}

/// What the grid's marks mean, shown once above the node cards.
#[component]
pub fn LogLegend() -> Html {
    html! {
        <p class="log-legend" data-testid="log-legend">
            <span class="key"><span class="cell t1 committed"></span>{ term("committed") }</span>
            <span class="key"><span class="cell t1"></span>{ "not committed" }</span>
            <span class="key"><span class="cell t1 committed applied"></span>{ term("applied") }</span>
            <span class="key"><span class="cell t1 committed commit-mark"></span>{ term_as("commit index", "commit") }</span>
            <span class="key"><span class="slot compacted"></span>{ term("compacted") }</span>
            <span class="key">{ "colour = " }{ term("term") }</span>
        </p>
    }
}
