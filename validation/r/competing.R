# Gray's test stratified and weighted, and the cumulative incidence of four arms (one leaving the
# risk sets early), for tests/test_stats_vs_r.py.
#   Rscript validation/r/competing.R   -> validation/r/output/gray_strata.csv, cuminc_groups.csv
suppressPackageStartupMessages(library(cmprsk))
d <- read.csv(file.path("validation", "data", "cr_strata.csv"))
out <- file.path("validation", "r", "output")
tests <- list()
for (rho in c(0, 1)) {
  for (stratified in c(FALSE, TRUE)) {
    ci <- if (stratified) {
      cuminc(d$AVAL, d$CRSTAT, d$ARM, strata = d$SITE, rho = rho, cencode = 0)
    } else {
      cuminc(d$AVAL, d$CRSTAT, d$ARM, rho = rho, cencode = 0)
    }
    tests[[length(tests) + 1]] <- data.frame(rho = rho, strata = if (stratified) "SITE" else "",
      cause = rownames(ci$Tests), statistic = ci$Tests[, "stat"], p = ci$Tests[, "pv"],
      df = ci$Tests[, "df"])
  }
}
write.csv(do.call(rbind, tests), file.path(out, "gray_strata.csv"), row.names = FALSE)
ci <- cuminc(d$AVAL, d$CRSTAT, d$ARM, cencode = 0)
times <- sort(unique(d$AVAL))
tp <- timepoints(ci[names(ci) != "Tests"], times)
rows <- list()
for (nm in rownames(tp$est)) {
  parts <- strsplit(nm, " ")[[1]]
  rows[[length(rows) + 1]] <- data.frame(group = parts[1], cause = parts[2], time = times,
    estimate = as.numeric(tp$est[nm, ]), variance = as.numeric(tp$var[nm, ]))
}
write.csv(do.call(rbind, rows), file.path(out, "cuminc_groups.csv"), row.names = FALSE)
cat(sprintf("cmprsk %s: written\n", packageVersion("cmprsk")))
