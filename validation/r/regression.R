# Robust (clustered) Cox variance and Fine-Gray regression, for tests/test_regression_vs_r.py.
#   python validation/regression_datasets.py && Rscript validation/r/regression.R
#   -> validation/r/output/regression_reference.csv (case, quantity, value)
suppressPackageStartupMessages({library(survival); library(cmprsk)})
out <- list()
put <- function(case, q, v) out[[length(out) + 1]] <<- data.frame(case = case, quantity = q, value = v)

d <- read.csv(file.path("validation", "data", "robust.csv"))
d$ARM <- relevel(factor(d$ARM), ref = "A")
fits <- list(
  efron_id = coxph(Surv(AVAL, CNSR == 0) ~ ARM + AGE, data = d, cluster = USUBJID),
  breslow_cluster = coxph(Surv(AVAL, CNSR == 0) ~ ARM + AGE, data = d, cluster = CLUSTER,
                          ties = "breslow"),
  efron_cluster_strata = coxph(Surv(AVAL, CNSR == 0) ~ ARM + AGE + strata(SITE), data = d,
                               cluster = CLUSTER)
)
for (nm in names(fits)) {
  f <- fits[[nm]]
  s <- summary(f)$coefficients
  for (term in rownames(s)) {
    put(nm, paste0("coef_", term), s[term, "coef"])
    put(nm, paste0("se_", term), s[term, "se(coef)"])
    put(nm, paste0("robust_se_", term), s[term, "robust se"])
    put(nm, paste0("p_", term), s[term, "Pr(>|z|)"])
  }
  put(nm, "robust_wald", as.numeric(t(coef(f)) %*% solve(vcov(f)) %*% coef(f)))  # unrounded
  put(nm, "robust_score", summary(f)$robscore[["test"]])
}

g <- read.csv(file.path("validation", "data", "finegray.csv"))
g$ARM <- relevel(factor(g$ARM), ref = "A")
g$EV <- factor(g$STATUS, 0:2, c("censor", "event", "competing"))
g$id <- seq_len(nrow(g))
fg <- finegray(Surv(AVAL, EV) ~ ., data = g, etype = "event")
for (ties in c("efron", "breslow")) {
  # clustered by subject: the rows finegray makes for one subject are one cluster
  f <- coxph(Surv(fgstart, fgstop, fgstatus) ~ ARM + AGE, weights = fgwt, data = fg, ties = ties,
             cluster = id)
  s <- summary(f)$coefficients
  nm <- paste0("finegray_", ties)
  for (term in rownames(s)) {
    put(nm, paste0("coef_", term), s[term, "coef"])
    put(nm, paste0("se_", term), s[term, "se(coef)"])
    put(nm, paste0("robust_se_", term), s[term, "robust se"])
  }
  # the model's cumulative incidence for each arm at age 45 (survfit on the Fine-Gray fit)
  sf <- survfit(f, newdata = data.frame(ARM = c("A", "B"), AGE = 45))
  for (tt in c(56, 112, 182, 252)) {
    s2 <- summary(sf, times = tt)
    put(nm, paste0("cif_A_", tt), 1 - s2$surv[1, 1])
    put(nm, paste0("cif_B_", tt), 1 - s2$surv[1, 2])
  }
}
cr <- crr(g$AVAL, g$STATUS, cov1 = cbind(ARMB = as.numeric(g$ARM == "B"), AGE = g$AGE),
          failcode = 1, cencode = 0)
for (term in names(cr$coef)) {
  put("crr", paste0("coef_", term), cr$coef[[term]])
  put("crr", paste0("se_", term), sqrt(diag(cr$var))[match(term, names(cr$coef))])
}
res <- do.call(rbind, out)
write.csv(res, file.path("validation", "r", "output", "regression_reference.csv"), row.names = FALSE)
cat(sprintf("survival %s, cmprsk %s: %d rows\n", packageVersion("survival"),
            packageVersion("cmprsk"), nrow(res)))

# A covariate that varies only among subjects censored before the first event carries no
# information (R's cholesky2 finds it): coef NA, left out of the df
u <- read.csv(file.path("validation", "data", "robust.csv"))
u$ARM <- relevel(factor(u$ARM), ref = "A")
extra <- data.frame(USUBJID = c("E1", "E2", "E3"), CLUSTER = "E", ARM = "A", AGE = 50,
                    SITE = "S1", AVAL = 1, CNSR = 1)
u <- rbind(u, extra)
u$EARLY <- ifelse(u$USUBJID %in% extra$USUBJID, c(E1 = 1, E2 = 2, E3 = 3)[u$USUBJID], 0)
write.csv(u, file.path("validation", "data", "uninformative.csv"), row.names = FALSE)
f <- coxph(Surv(AVAL, CNSR == 0) ~ ARM + EARLY + AGE, data = u)
s <- summary(f)
res <- rbind(res, data.frame(case = "uninformative",
  quantity = c("coef_ARMB", "se_ARMB", "coef_EARLY", "coef_AGE", "lrt", "lrt_df"),
  value = c(coef(f)[["ARMB"]], s$coefficients["ARMB", "se(coef)"], coef(f)[["EARLY"]],
            coef(f)[["AGE"]], s$logtest[["test"]], s$logtest[["df"]])))
write.csv(res, file.path("validation", "r", "output", "regression_reference.csv"), row.names = FALSE)

# Subgroup forest: the interaction of arm and age group (< 40 / >= 40) for TTSFLR in musc,
# likelihood-ratio test of ARM * AGEGR against ARM + AGEGR
m <- read.csv(file.path("validation", "data", "musc_sflr.csv"))
m$ARM <- relevel(factor(m$ARM), ref = "Placebo")
m$AGEGR <- factor(ifelse(m$AGE < 40, "< 40 years", ">= 40 years"))
small <- coxph(Surv(AVAL, CNSR == 0) ~ ARM + AGEGR, data = m)
big <- coxph(Surv(AVAL, CNSR == 0) ~ ARM * AGEGR, data = m)
a <- anova(small, big)
res <- rbind(res, data.frame(case = "interaction_age", quantity = c("chisq", "df", "p"),
  value = c(a$Chisq[2], a$Df[2], a[["Pr(>|Chi|)"]][2])))
write.csv(res, file.path("validation", "r", "output", "regression_reference.csv"), row.names = FALSE)
