# R's fit times on the data of benchmarks/fits.py (python benchmarks/fits.py --write-data first).
# system.time inside R, user + system CPU seconds, the best of 3 (1 at 100,000 for Gray's test).
#   Rscript benchmarks/r/fits.R     (from the repository root)
suppressMessages({library(survival); library(cmprsk)})
best <- function(expr, k = 3) {
  e <- substitute(expr)
  min(replicate(k, { t <- system.time(eval(e, parent.frame(3))); t[["user.self"]] + t[["sys.self"]] }))
}
rows <- list()
for (n in c(1000, 10000, 100000)) {
  d <- read.csv(sprintf("benchmarks/.cache/fits_%d.csv", n))
  d$event <- as.integer(d$CNSR == 0)
  d$cause <- ifelse(d$CNSR == 0, 1, ifelse(d$CNSR == 3, 2, 0))
  d$ARM <- factor(d$ARM)
  k <- if (n >= 100000) 1 else 3
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
