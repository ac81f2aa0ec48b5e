//! The report data model: the public types a caller fills in ([`Report`], [`Section`],
//! [`Block`] and the chart/table descriptions) and the single entry point
//! [`Report::to_html`], which renders them into one self-contained HTML file
//! (inline CSS, plots as inline SVG, no scripts, fonts or other external resources).
//!
//! Rendering never panics on data: non-finite values (NaN, ±∞), non-positive values on
//! log axes and ragged rows are skipped, drawn as gaps, or shown as "n/a"; a chart with
//! nothing to draw shows a "No data" note.
//!
//! # Example
//!
//! ```
//! use her2sim_report::{Block, Cell, LineChart, Report, Section, Series, Table};
//!
//! let report = Report {
//!     title: "Trastuzumab dose response".into(),
//!     subtitle: "BT-474, 72 h".into(),
//!     sections: vec![Section {
//!         id: "viability".into(),
//!         heading: "Viability".into(),
//!         intro: "Fraction of untreated growth.".into(),
//!         blocks: vec![
//!             Block::LineChart(LineChart {
//!                 title: "Dose response".into(),
//!                 x_label: "dose (nM)".into(),
//!                 y_label: "viability".into(),
//!                 series: vec![Series::new("BT-474", vec![(0.1, 0.98), (1.0, 0.8), (10.0, 0.45)])],
//!                 log_x: true,
//!                 ..Default::default()
//!             }),
//!             Block::Table(Table {
//!                 caption: "IC50".into(),
//!                 headers: vec!["cell line".into(), "IC50 (nM)".into()],
//!                 rows: vec![vec![Cell::text("BT-474"), Cell::number(6.2, 1)]],
//!             }),
//!         ],
//!     }],
//! };
//! let html = report.to_html();
//! assert!(html.starts_with("<!DOCTYPE html>"));
//! assert!(html.contains("href=\"#viability\""));
//! assert!(html.contains("<svg"));
//! ```

pub mod csv;
mod html;
mod num;
mod svg;
mod table;

pub use html::escape;
pub use svg::axis;

/// A whole report: one HTML page with a title, a table of contents and sections.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Report {
    /// Page title (`<title>` and the top heading).
    pub title: String,
    /// One line under the title (may be empty).
    pub subtitle: String,
    /// Sections, in order; each gets an entry in the table of contents.
    pub sections: Vec<Section>,
}

/// One section of the report, linked from the table of contents by its `id`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Section {
    /// Anchor id. Characters outside `[A-Za-z0-9_-]` become `-`; empty or duplicate ids are
    /// made unique, so the table of contents always links to the right section.
    pub id: String,
    /// Section heading.
    pub heading: String,
    /// Introductory text (plain text; blank lines separate paragraphs; may be empty).
    pub intro: String,
    /// Content blocks, in order.
    pub blocks: Vec<Block>,
}

/// A piece of section content.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// Plain text, escaped; blank lines separate paragraphs.
    Paragraph(String),
    /// An HTML table.
    Table(Table),
    /// A line chart (inline SVG).
    LineChart(LineChart),
    /// A grouped bar chart (inline SVG).
    BarChart(BarChart),
    /// A heat map (inline SVG).
    HeatMap(HeatMap),
    /// Small multiples laid out in a responsive CSS grid (charts inside are drawn compact).
    Grid(Vec<Block>),
}

/// A data table.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    /// Caption shown above the table (may be empty).
    pub caption: String,
    /// Column headers.
    pub headers: Vec<String>,
    /// Rows of cells; short rows are padded with empty cells.
    pub rows: Vec<Vec<Cell>>,
}

/// One table cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Plain text, escaped.
    Text(String),
    /// A number with a fixed number of decimals, right-aligned; non-finite shows "n/a".
    Number { value: f64, digits: usize },
    /// An inline bar of length `value / max` (clamped to 0..1) with a text label on it;
    /// an empty label shows the value.
    Bar { value: f64, max: f64, label: String },
}

impl Cell {
    /// A text cell.
    pub fn text(s: impl Into<String>) -> Self {
        Cell::Text(s.into())
    }
    /// A number cell with `digits` decimals.
    pub fn number(value: f64, digits: usize) -> Self {
        Cell::Number { value, digits }
    }
    /// An inline bar cell.
    pub fn bar(value: f64, max: f64, label: impl Into<String>) -> Self {
        Cell::Bar {
            value,
            max,
            label: label.into(),
        }
    }
}

/// One line of a [`LineChart`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Series {
    /// Legend name.
    pub name: String,
    /// `(x, y)` points, drawn in the given order; invalid points break the line (a gap).
    pub points: Vec<(f64, f64)>,
    /// Draw the line dashed.
    pub dashed: bool,
    /// Leave out point markers for this series even when the chart draws them (e.g. a
    /// fitted curve drawn through measured points).
    pub no_markers: bool,
    /// Points without a line (a scatter plot): always marked, whatever the chart's `markers`.
    pub points_only: bool,
}

impl Series {
    /// A solid series.
    pub fn new(name: impl Into<String>, points: Vec<(f64, f64)>) -> Self {
        Series {
            name: name.into(),
            points,
            dashed: false,
            no_markers: false,
            points_only: false,
        }
    }

    /// A scatter series: points without a line.
    pub fn points(name: impl Into<String>, points: Vec<(f64, f64)>) -> Self {
        Series {
            points_only: true,
            ..Series::new(name, points)
        }
    }
}

/// A line chart with linear or log10 axes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LineChart {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    /// Lines; a legend is drawn when there is more than one.
    pub series: Vec<Series>,
    /// log10 x axis (points with x <= 0 are skipped).
    pub log_x: bool,
    /// log10 y axis (points with y <= 0 are skipped).
    pub log_y: bool,
    /// Fixed lower bound of the y axis (otherwise from the data, rounded to a nice number).
    pub y_min: Option<f64>,
    /// Fixed upper bound of the y axis (otherwise from the data, rounded to a nice number).
    pub y_max: Option<f64>,
    /// Draw a marker (with a tooltip) at every point.
    pub markers: bool,
}

/// A grouped bar chart: one cluster per category, one bar per group.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BarChart {
    pub title: String,
    pub y_label: String,
    /// Category labels along the x axis.
    pub categories: Vec<String>,
    /// `(group name, one value per category)`; a legend is drawn when there is more than one.
    pub groups: Vec<(String, Vec<f64>)>,
    /// A dashed horizontal reference line (e.g. 1.0 = untreated).
    pub reference: Option<f64>,
}

/// A heat map of a matrix of values.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HeatMap {
    pub title: String,
    pub row_labels: Vec<String>,
    pub col_labels: Vec<String>,
    /// `values[row][col]`; missing or non-finite cells are drawn grey and labelled "n/a".
    pub values: Vec<Vec<f64>>,
    pub scale: ColorScale,
    /// Decimals of the value printed in each cell (when it fits).
    pub value_digits: usize,
    /// Caption of the colour legend (e.g. "Bliss excess").
    pub legend: String,
}

/// How heat map values map to colours.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ColorScale {
    /// Viridis from `min` to `max` (values outside are clamped).
    Sequential { min: f64, max: f64 },
    /// Blue–white–red centred on `center`, saturating at `center ± span` (e.g. synergy scores).
    Diverging { center: f64, span: f64 },
}

impl Default for ColorScale {
    fn default() -> Self {
        ColorScale::Sequential { min: 0.0, max: 1.0 }
    }
}

impl From<Table> for Block {
    fn from(t: Table) -> Self {
        Block::Table(t)
    }
}
impl From<LineChart> for Block {
    fn from(c: LineChart) -> Self {
        Block::LineChart(c)
    }
}
impl From<BarChart> for Block {
    fn from(c: BarChart) -> Self {
        Block::BarChart(c)
    }
}
impl From<HeatMap> for Block {
    fn from(c: HeatMap) -> Self {
        Block::HeatMap(c)
    }
}

impl LineChart {
    /// Renders the chart alone as a standalone SVG document (full size, with the title as
    /// a `<title>`), e.g. for a plot written to its own `.svg` file.
    pub fn to_svg(&self) -> String {
        svg::standalone_line_chart(self)
    }
}

impl Report {
    /// Renders the report as one self-contained HTML document.
    pub fn to_html(&self) -> String {
        html::render_report(self)
    }
}
