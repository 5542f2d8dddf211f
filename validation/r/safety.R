# Exposure-adjusted incidence: exact Poisson CI of k events in T patient-years (poisson.test),
# for the cases of tests/test_safety.py. Output: validation/r/output/safety_reference.csv
#   Rscript validation/r/safety.R
cases <- data.frame(
  case = c("hand_A_any", "hand_B_any", "hand_total_any", "zero", "one", "many"),
  k = c(2, 0, 2, 0, 1, 37),
  days = c(10 + 100 + 365, 365 + 200, 10 + 100 + 365 + 365 + 200, 730, 400, 20000)
)
rows <- lapply(seq_len(nrow(cases)), function(i) {
  years <- cases$days[i] / 365.25
  t <- poisson.test(cases$k[i], years)
  data.frame(case = cases$case[i], k = cases$k[i], patient_years = years,
             rate = unname(t$estimate), lower = t$conf.int[1], upper = t$conf.int[2])
})
out <- do.call(rbind, rows)
write.csv(out, file.path("validation", "r", "output", "safety_reference.csv"), row.names = FALSE)
cat(sprintf("R %s: %d rows\n", getRversion(), nrow(out)))
