# Reads every SAS transport (XPT v5) dataset of three survlupus reports with haven::read_xpt and
# writes what R sees: dataset, member label, rows, columns, the names, the variable labels and the
# class of the date variables. tests/test_adam.py compares this with the datasets survlupus writes.
#
#   python validation/adam_reports.py /tmp/adam        # writes the three reports' datasets
#   Rscript validation/r/xpt_haven.R /tmp/adam validation/r/output/xpt_haven.csv
library(haven)
args <- commandArgs(trailingOnly = TRUE)
root <- args[1]
rows <- list()
for (trial in sort(list.dirs(root, recursive = FALSE, full.names = FALSE))) {
  for (f in sort(list.files(file.path(root, trial), pattern = "\\.xpt$"))) {
    d <- read_xpt(file.path(root, trial, f))
    labels <- vapply(d, function(x) { l <- attr(x, "label"); if (is.null(l)) "" else l }, "")
    dates <- names(d)[vapply(d, inherits, TRUE, what = "Date")]
    rows[[length(rows) + 1]] <- data.frame(
      trial = trial, file = f, label = attr(d, "label"), rows = nrow(d), cols = ncol(d),
      names = paste(names(d), collapse = " "),
      labels = paste(labels, collapse = "|"),
      dates = paste(dates, collapse = " ")
    )
  }
}
out <- do.call(rbind, rows)
write.csv(out, args[2], row.names = FALSE)
cat("read", nrow(out), "datasets\n")
