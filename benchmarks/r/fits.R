# R's fit times on the data of benchmarks/fits.py (python benchmarks/fits.py --write-data first).
# system.time inside R, user + system CPU seconds per fit: the best of 3 timings of a loop of
# `reps` fits (200 at 1,000 subjects, 20 at 10,000, 1 at 100,000; system.time counts whole
# milliseconds, so one fit of a few milliseconds cannot be timed alone).
#   Rscript benchmarks/r/fits.R     (from the repository root)
suppressMessages({library(survival); library(cmprsk)})
best <- function(expr, k = 3) {
  e <- substitute(expr)
  env <- parent.frame()
  min(replicate(k, {
    t <- system.time(for (i in seq_len(reps)) eval(e, env))
    (t[["user.self"]] + t[["sys.self"]]) / reps
  }))
}
rows <- list()
for (n in c(1000, 10000, 100000)) {
  d <- read.csv(sprintf("benchmarks/.cache/fits_%d.csv", n))
  d$event <- as.integer(d$CNSR == 0)
  d$cause <- ifelse(d$CNSR == 0, 1, ifelse(d$CNSR == 3, 2, 0))
  d$ARM <- factor(d$ARM)
  k <- if (n >= 100000) 1 else 3
  reps <- c(`1000` = 200, `10000` = 20, `1e+05` = 1)[[format(n)]]
  add <- function(fit, s) rows[[length(rows) + 1]] <<- data.frame(n = n, fit = fit, seconds = s)
  add("survfit", best(survfit(Surv(AVAL, event) ~ ARM, data = d)))
  add("survdiff", best(survdiff(Surv(AVAL, event) ~ ARM, data = d)))
  add("coxph_efron", best(coxph(Surv(AVAL, event) ~ ARM + AGE, data = d)))
  add("coxph_breslow", best(coxph(Surv(AVAL, event) ~ ARM + AGE, data = d, ties = "breslow")))
  add("cuminc", best(cuminc(d$AVAL, d$cause, d$ARM), k))
}
out <- do.call(rbind, rows)
write.csv(out, "benchmarks/r/fits_times.csv", row.names = FALSE)
print(out)
cat("R", R.version$major, R.version$minor, "survival", as.character(packageVersion("survival")), "\n")
