# Edge cases of the Cox model (issue: correctness at the edges), for tests/test_edges_vs_r.py.
#   Rscript validation/r/edges.R   -> validation/r/output/edges_reference.csv
suppressPackageStartupMessages(library(survival))
d <- read.csv(file.path("validation", "data", "cox_aliased.csv"))
d$ARM <- relevel(factor(d$ARM), ref = "A")
# SITEVAR is constant within every SITE stratum: coxph reports it NA and drops it from the df
f <- coxph(Surv(AVAL, 1 - CNSR) ~ ARM + SITEVAR + strata(SITE), data = d)
s <- summary(f)
z <- cox.zph(f)
out <- data.frame(
  case = "aliased",
  quantity = c("coef_ARMB", "se_ARMB", "coef_SITEVAR", "lrt", "lrt_df", "zph_global", "zph_df"),
  value = c(coef(f)[["ARMB"]], s$coefficients["ARMB", "se(coef)"], coef(f)[["SITEVAR"]],
            s$logtest[["test"]], s$logtest[["df"]], z$table["GLOBAL", "chisq"],
            z$table["GLOBAL", "df"])
)
write.csv(out, file.path("validation", "r", "output", "edges_reference.csv"), row.names = FALSE)
cat(sprintf("survival %s: %d rows\n", packageVersion("survival"), nrow(out)))

# RMST up to 365 days by arm: survival's rmean and its standard error
r <- read.csv(file.path("validation", "data", "rmst_musc_ttsflr.csv"))
fit <- survfit(Surv(AVAL, CNSR == 0) ~ ARM, data = r)  # CNSR 1-4 are all censorings
tab <- summary(fit, rmean = 365)$table
rm_out <- data.frame(case = "rmst365", quantity = c(paste0("rmean_", sub("ARM=", "", rownames(tab))),
                                                    paste0("se_", sub("ARM=", "", rownames(tab)))),
                     value = c(tab[, "rmean"], tab[, "se(rmean)"]))
write.csv(rbind(out, rm_out), file.path("validation", "r", "output", "edges_reference.csv"),
          row.names = FALSE)
