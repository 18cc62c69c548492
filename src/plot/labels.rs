//! Labels beside points that cover neither another label nor another point.
//!
//! Scatter charts (the Pareto chart of `compare`, the Morris chart of `sensitivity`) name each
//! point. Points crowd where bundles or inputs are alike, so each label tries positions around
//! its point and takes the nearest that covers no point and no label already there, crossing as
//! few of the plot's lines as it can; a label pushed away from its point gets a leader line back
//! to it. Crowded points are placed first, as they have the fewest free places.

/// A box in pixels: left, top, right, bottom (right and bottom exclusive).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rect {
    /// Left edge.
    pub left: i32,
    /// Top edge.
    pub top: i32,
    /// Right edge.
    pub right: i32,
    /// Bottom edge.
    pub bottom: i32,
}

impl Rect {
    /// The box of half-size `half` centred on `at`.
    pub fn around(at: (i32, i32), half: (i32, i32)) -> Rect {
        Rect {
            left: at.0 - half.0,
            top: at.1 - half.1,
            right: at.0 + half.0,
            bottom: at.1 + half.1,
        }
    }

    /// The box grown by `d` on every side.
    pub fn grow(self, d: i32) -> Rect {
        Rect {
            left: self.left - d,
            top: self.top - d,
            right: self.right + d,
            bottom: self.bottom + d,
        }
    }

    /// The smallest box holding both.
    pub fn union(self, other: Rect) -> Rect {
        Rect {
            left: self.left.min(other.left),
            top: self.top.min(other.top),
            right: self.right.max(other.right),
            bottom: self.bottom.max(other.bottom),
        }
    }

    /// Centre.
    pub fn centre(self) -> (i32, i32) {
        ((self.left + self.right) / 2, (self.top + self.bottom) / 2)
    }

    /// Area of the overlap with `other`, pixels.
    pub fn overlap(self, other: Rect) -> i64 {
        let w = (self.right.min(other.right) - self.left.max(other.left)).max(0);
        let h = (self.bottom.min(other.bottom) - self.top.max(other.top)).max(0);
        i64::from(w) * i64::from(h)
    }

    /// Whether the box lies inside `bounds`.
    pub fn inside(self, bounds: Rect) -> bool {
        self.left >= bounds.left
            && self.top >= bounds.top
            && self.right <= bounds.right
            && self.bottom <= bounds.bottom
    }

    /// The point of the box nearest to `p`.
    pub fn nearest(self, p: (i32, i32)) -> (i32, i32) {
        (
            p.0.clamp(self.left, self.right),
            p.1.clamp(self.top, self.bottom),
        )
    }
}

/// A point to label: the box its mark covers, and the size of its label (with padding).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Item {
    /// The mark.
    pub mark: Rect,
    /// Label width and height, pixels.
    pub size: (i32, i32),
}

/// Where a label goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Placement {
    /// The label's box.
    pub rect: Rect,
    /// A line from the mark's centre to the label, when the label sits away from its mark.
    pub leader: Option<((i32, i32), (i32, i32))>,
}

/// Gaps between a mark and its label tried, pixels; beyond [`NO_LEADER`] the label gets a
/// leader line.
const GAPS: [i32; 12] = [4, 14, 24, 36, 50, 66, 86, 110, 140, 180, 230, 290];
/// Gaps up to this need no leader line.
const NO_LEADER: i32 = 14;
/// Directions from the mark tried at each gap, degrees clockwise from "right" (y grows
/// downwards), in order of preference: beside, then slightly above or below, then the
/// diagonals, then above and below.
const ANGLES: [f64; 16] = [
    0.0, 180.0, -22.5, 22.5, -157.5, 157.5, -45.0, 45.0, -135.0, 135.0, -67.5, 67.5, -112.5, 112.5,
    -90.0, 90.0,
];
/// What a pixel of gap between a mark and its label costs, against a pixel of label over a
/// line: a label may cross a line (it has a white ground) rather than move far from its mark.
const GAP_COST: i64 = 30;
/// What a label costs that is nearer another mark than its own (a reader would take it for
/// that mark's), or whose leader line crosses another leader, a mark or a label.
const CONFUSING: i64 = 4000;
/// Rounds in which each label is placed again, the others staying, to undo what the first
/// labels' greed cost the later ones.
const ROUNDS: usize = 3;

/// The box of a label of `size` placed `gap` pixels from `mark` in the direction `angle`
/// (degrees): the label's side or corner facing the mark is `gap` away from it.
fn candidate(mark: Rect, size: (i32, i32), gap: i32, angle: f64) -> Rect {
    let (cx, cy) = mark.centre();
    let (cos, sin) = (angle.to_radians().cos(), angle.to_radians().sin());
    let round = |v: f64| if v.abs() < 1e-9 { 0.0 } else { v };
    let (cos, sin) = (round(cos), round(sin));
    let hw = f64::from(mark.right - mark.left) / 2.0 + f64::from(gap);
    let hh = f64::from(mark.bottom - mark.top) / 2.0 + f64::from(gap);
    // The point of the label facing the mark, on a box around the mark.
    let scale = 1.0 / cos.abs().max(sin.abs());
    let (px, py) = (
        f64::from(cx) + hw * cos * scale,
        f64::from(cy) + hh * sin * scale,
    );
    let left = px - f64::from(size.0) * (1.0 - cos * scale) / 2.0;
    let top = py - f64::from(size.1) * (1.0 - sin * scale) / 2.0;
    let (left, top) = (left.round() as i32, top.round() as i32);
    Rect {
        left,
        top,
        right: left + size.0,
        bottom: top + size.1,
    }
}

/// Distance from `p` to the nearest point of `r`, pixels.
fn distance(r: Rect, p: (i32, i32)) -> f64 {
    let q = r.nearest(p);
    f64::from(q.0 - p.0).hypot(f64::from(q.1 - p.1))
}

/// Whether the segment `a`–`b` passes through `r`.
fn crosses(a: (i32, i32), b: (i32, i32), r: Rect) -> bool {
    let steps = ((b.0 - a.0).abs().max((b.1 - a.1).abs()) / 3).max(1);
    (0..=steps).any(|k| {
        let t = f64::from(k) / f64::from(steps);
        let x = f64::from(a.0) + t * f64::from(b.0 - a.0);
        let y = f64::from(a.1) + t * f64::from(b.1 - a.1);
        x > f64::from(r.left)
            && x < f64::from(r.right)
            && y > f64::from(r.top)
            && y < f64::from(r.bottom)
    })
}

/// Whether the segments `a`–`b` and `c`–`d` cross.
fn intersect(a: (i32, i32), b: (i32, i32), c: (i32, i32), d: (i32, i32)) -> bool {
    let orient = |p: (i32, i32), q: (i32, i32), r: (i32, i32)| {
        let v = i64::from(q.0 - p.0) * i64::from(r.1 - p.1)
            - i64::from(q.1 - p.1) * i64::from(r.0 - p.0);
        v.signum()
    };
    let (o1, o2) = (orient(a, b, c), orient(a, b, d));
    let (o3, o4) = (orient(c, d, a), orient(c, d, b));
    o1 * o2 < 0 && o3 * o4 < 0
}

/// The best place for the label of item `i`, given the labels of the others placed so far:
/// its box and gap, and its score (pixels of marks and labels covered; everything else).
fn best_place(
    items: &[Item],
    i: usize,
    placed: &[Option<Placement>],
    obstacles: &Obstacles<'_>,
    bounds: Rect,
) -> Option<(Rect, i32)> {
    let Obstacles {
        marks,
        lines,
        avoid,
    } = *obstacles;
    let item = items[i];
    let centre = item.mark.centre();
    let others: Vec<Rect> = items
        .iter()
        .enumerate()
        .filter(|(j, _)| *j != i)
        .map(|(_, o)| o.mark)
        .chain(marks.iter().copied())
        .collect();
    let taken: Vec<Placement> = placed
        .iter()
        .enumerate()
        .filter(|(j, _)| *j != i)
        .filter_map(|(_, p)| *p)
        .collect();
    let score = |r: Rect, gap: i32| -> (i64, i64) {
        let hard: i64 = others.iter().map(|m| r.overlap(m.grow(2))).sum::<i64>()
            + taken.iter().map(|t| r.overlap(t.rect.grow(2))).sum::<i64>()
            + avoid.iter().map(|l| r.overlap(*l)).sum::<i64>();
        let mut soft = lines.iter().map(|l| r.overlap(*l)).sum::<i64>() + GAP_COST * i64::from(gap);
        let own = distance(r, centre);
        if others.iter().any(|m| distance(r, m.centre()) + 4.0 < own) {
            soft += CONFUSING;
        }
        for t in &taken {
            if let Some((a, b)) = t.leader
                && crosses(a, b, r)
            {
                soft += CONFUSING;
            }
        }
        if gap > NO_LEADER {
            let (a, b) = (centre, r.nearest(centre));
            let crossings = others.iter().filter(|m| crosses(a, b, **m)).count()
                + taken.iter().filter(|t| crosses(a, b, t.rect)).count()
                + taken
                    .iter()
                    .filter_map(|t| t.leader)
                    .filter(|(c, d)| intersect(a, b, *c, *d))
                    .count();
            soft += CONFUSING * crossings as i64;
        }
        (hard, soft)
    };
    let mut best: Option<((i64, i64), Rect, i32)> = None;
    for gap in GAPS {
        for angle in ANGLES {
            let r = candidate(item.mark, item.size, gap, angle);
            if !r.inside(bounds) {
                continue;
            }
            let s = score(r, gap);
            if best.is_none_or(|(b, _, _)| s < b) {
                best = Some((s, r, gap));
            }
        }
    }
    best.map(|(_, r, gap)| (r, gap))
}

/// Places a label for every item inside `bounds`. A label never covers a mark (the items' and
/// the unlabelled `marks`) or another label when there is any other place. Among such places
/// it avoids those nearer another mark than its own and leader lines that cross a leader, a
/// mark or a label, and takes the one nearest its mark, crossing as little of the `lines`
/// (thin boxes along the plot's lines) as it can. Returns the placements in the items' order.
pub fn place(items: &[Item], marks: &[Rect], lines: &[Rect], bounds: Rect) -> Vec<Placement> {
    place_avoiding(
        items,
        &Obstacles {
            marks,
            lines,
            avoid: &[],
        },
        bounds,
    )
}

/// What labels keep clear of, besides each other.
#[derive(Clone, Copy, Debug, Default)]
pub struct Obstacles<'a> {
    /// Unlabelled marks: never covered where there is any other place, and a label nearer one
    /// of them than its own mark is avoided.
    pub marks: &'a [Rect],
    /// Thin boxes along lines a label may cross (it has a white ground) rather than move far.
    pub lines: &'a [Rect],
    /// Thin boxes along lines a label must not sit on where there is any other place, however
    /// far (a reference line, a point's interval: a label over them hides what they say).
    pub avoid: &'a [Rect],
}

/// As [`place`], with lines to `avoid` as well: they weigh like marks (a label covers none
/// when it can go elsewhere), but being near one confuses no reader, so they do not push a
/// label from its own mark otherwise.
pub fn place_avoiding(items: &[Item], obstacles: &Obstacles<'_>, bounds: Rect) -> Vec<Placement> {
    let n = items.len();
    // Crowded marks first: those with the most other marks near them.
    let crowding = |i: usize| {
        let (x, y) = items[i].mark.centre();
        items
            .iter()
            .filter(|o| {
                let (ox, oy) = o.mark.centre();
                (ox - x).abs() < 160 && (oy - y).abs() < 80
            })
            .count()
    };
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|&i| (std::cmp::Reverse(crowding(i)), i));
    let mut placed: Vec<Option<Placement>> = vec![None; n];
    for _ in 0..ROUNDS {
        for &i in &order {
            let centre = items[i].mark.centre();
            let (rect, gap) =
                best_place(items, i, &placed, obstacles, bounds).unwrap_or_else(|| {
                    // Nowhere inside the plot (a label wider than the plot): right of the mark.
                    (
                        candidate(items[i].mark, items[i].size, GAPS[0], 0.0),
                        GAPS[0],
                    )
                });
            let leader = (gap > NO_LEADER).then(|| (centre, rect.nearest(centre)));
            placed[i] = Some(Placement { rect, leader });
        }
    }
    placed.into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crowded_labels_do_not_overlap() {
        // Ten marks in a tight cluster, with long labels.
        let items: Vec<Item> = (0..10)
            .map(|k| Item {
                mark: Rect::around((400 + 6 * (k % 3), 300 + 5 * (k / 3)), (10, 10)),
                size: (220, 30),
            })
            .collect();
        let bounds = Rect {
            left: 0,
            top: 0,
            right: 1200,
            bottom: 700,
        };
        let placed = place(&items, &[], &[], bounds);
        assert_eq!(placed.len(), 10);
        for (i, a) in placed.iter().enumerate() {
            assert!(a.rect.inside(bounds));
            for b in &placed[i + 1..] {
                assert_eq!(a.rect.overlap(b.rect), 0, "{a:?} {b:?}");
            }
            for it in &items {
                assert_eq!(a.rect.overlap(it.mark), 0, "{a:?} covers {it:?}");
            }
        }
        // Those away from their mark point back to it.
        assert!(placed.iter().any(|p| p.leader.is_some()));
    }

    #[test]
    fn labels_keep_off_lines_to_avoid() {
        // A point on a horizontal reference line, with its vertical interval through it and
        // its neighbours' intervals 45 px to either side: every place near the point lies on
        // one of these lines, and `place` takes one (crossing a line costs less than a gap).
        let at = (300, 300);
        let bounds = Rect {
            left: 0,
            top: 0,
            right: 800,
            bottom: 600,
        };
        let items = [Item {
            mark: Rect::around(at, (12, 12)),
            size: (160, 30),
        }];
        let vertical = |x: i32, top: i32, bottom: i32| Rect {
            left: x - 3,
            top,
            right: x + 3,
            bottom,
        };
        let reference = Rect {
            left: 0,
            top: 297,
            right: 800,
            bottom: 303,
        };
        let lines = [
            reference,
            vertical(300, 220, 380),
            vertical(255, 240, 360),
            vertical(345, 240, 360),
        ];
        let plain = place(&items, &[], &lines, bounds);
        assert!(
            lines.iter().any(|l| plain[0].rect.overlap(*l) > 0),
            "{plain:?}"
        );
        let placed = place_avoiding(
            &items,
            &Obstacles {
                marks: &[],
                lines: &[],
                avoid: &lines,
            },
            bounds,
        );
        let rect = placed[0].rect;
        for l in lines {
            assert_eq!(rect.overlap(l), 0, "{rect:?} on {l:?}");
        }
        assert!(rect.inside(bounds));
        // Still near its point (past the neighbours, or above or below the intervals), with a
        // leader line back to it.
        assert!(distance(rect, at) <= 120.0, "{rect:?}");
        assert!(placed[0].leader.is_some(), "{placed:?}");
    }

    #[test]
    fn a_lone_label_sits_right_of_its_mark() {
        let items = [Item {
            mark: Rect::around((100, 100), (8, 8)),
            size: (80, 20),
        }];
        let bounds = Rect {
            left: 0,
            top: 0,
            right: 500,
            bottom: 500,
        };
        let p = place(&items, &[], &[], bounds);
        assert_eq!(p[0].rect.left, 112);
        assert_eq!(p[0].leader, None);
        // At the right edge it goes left.
        let items = [Item {
            mark: Rect::around((480, 100), (8, 8)),
            size: (80, 20),
        }];
        let p = place(&items, &[], &[], bounds);
        assert!(p[0].rect.right <= 468);
    }
}
