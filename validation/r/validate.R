# Reference values from R's survival (and cmprsk) for survlupus's analysis layer.
#
#   Rscript validation/r/validate.R      # from the repository root; rewrites validation/r/output/
#
# Needs: r-base-core, r-cran-survival, r-cran-cmprsk (Debian). The outputs are committed; the
# test suite reads them and passes without R.

suppressPackageStartupMessages({ library(survival); library(cmprsk) })
data_dir <- "validation/data"
out_dir <- "validation/r/output"
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)
rd <- function(name) read.csv(file.path(data_dir, paste0(name, ".csv")), stringsAsFactors = FALSE)
grp_of <- function(strata, n, d) {
  if (is.null(strata)) rep(unique(d$ARM)[1], n) else sub("ARM=", "", as.character(strata))
}
wr <- function(df, name) write.csv(df, file.path(out_dir, paste0(name, ".csv")), row.names = FALSE)
versions <- data.frame(R = R.version.string, survival = as.character(packageVersion("survival")),
                       cmprsk = as.character(packageVersion("cmprsk")))
wr(versions, "versions")

# ---- Kaplan-Meier: every time, three CI transforms; quantiles; landmarks --------------------
km_sets <- c("ties", "flat", "zero", "musc_sflr", "cs_sflr")
km_rows <- list(); q_rows <- list(); lm_rows <- list()
for (ds in km_sets) {
  d <- rd(ds); d$event <- as.integer(d$CNSR == 0)
  for (ct in c("log-log", "log", "plain")) {
    fit <- survfit(Surv(AVAL, event) ~ ARM, data = d, conf.type = ct)
    s <- summary(fit, censored = TRUE)
    grp <- grp_of(s$strata, length(s$time), d)
    km_rows[[length(km_rows) + 1]] <- data.frame(dataset = ds, conf_type = ct, group = grp,
      time = s$time, n_risk = s$n.risk, n_event = s$n.event, n_censor = s$n.censor,
      survival = s$surv, std_err = s$std.err / ifelse(s$surv > 0, s$surv, NA),
      lower = s$lower, upper = s$upper)
    for (q in c(0.25, 0.5)) {
      qq <- quantile(fit, probs = q)
      qn <- if (is.matrix(qq$quantile)) rownames(qq$quantile) else unique(d$ARM)[1]
      q_rows[[length(q_rows) + 1]] <- data.frame(dataset = ds, conf_type = ct,
        group = sub("ARM=", "", qn), quantile = q,
        estimate = as.numeric(qq$quantile), lower = as.numeric(qq$lower),
        upper = as.numeric(qq$upper))
    }
    lm <- summary(fit, times = c(29, 85, 169), extend = TRUE)
    lm_rows[[length(lm_rows) + 1]] <- data.frame(dataset = ds, conf_type = ct,
      group = grp_of(lm$strata, length(lm$time), d), time = lm$time, n_risk = lm$n.risk,
      survival = lm$surv, lower = lm$lower, upper = lm$upper)
  }
}
wr(do.call(rbind, km_rows), "km")
wr(do.call(rbind, q_rows), "km_quantiles")
wr(do.call(rbind, lm_rows), "km_landmarks")

# ---- log-rank: plain, Fleming-Harrington rho = 1, stratified -------------------------------
lr_rows <- list(); oe_rows <- list()
lr <- function(ds, formula, label, rho = 0) {
  d <- rd(ds); d$event <- as.integer(d$CNSR == 0)
  f <- survdiff(formula, data = d, rho = rho)
  df <- length(f$n) - 1
  lr_rows[[length(lr_rows) + 1]] <<- data.frame(dataset = ds, test = label, chisq = f$chisq,
    df = df, p = pchisq(f$chisq, df, lower.tail = FALSE))
  obs <- if (is.matrix(f$obs)) rowSums(f$obs) else f$obs
  ex <- if (is.matrix(f$exp)) rowSums(f$exp) else f$exp
  oe_rows[[length(oe_rows) + 1]] <<- data.frame(dataset = ds, test = label,
    group = sub("ARM=", "", names(f$n)), observed = obs, expected = ex)
}
for (ds in c("ties", "musc_sflr", "zero")) {
  lr(ds, Surv(AVAL, event) ~ ARM, "logrank")
  lr(ds, Surv(AVAL, event) ~ ARM, "fh_rho1", rho = 1)
}
lr("ties", Surv(AVAL, event) ~ ARM + strata(STRATUM), "stratified")
lr("musc_sflr", Surv(AVAL, event) ~ ARM + strata(STRATUM), "stratified")
dm <- rd("musc_sflr"); dm$event <- as.integer(dm$CNSR == 0)
for (arm in c("MSC low", "MSC high")) {  # pairwise vs placebo
  sub <- dm[dm$ARM %in% c(arm, "Placebo"), ]
  f <- survdiff(Surv(AVAL, event) ~ ARM, data = sub)
  lr_rows[[length(lr_rows) + 1]] <- data.frame(dataset = "musc_sflr",
    test = paste0("pairwise:", arm), chisq = f$chisq, df = 1,
    p = pchisq(f$chisq, 1, lower.tail = FALSE))
}
wr(do.call(rbind, lr_rows), "logrank")
wr(do.call(rbind, oe_rows), "logrank_oe")

# ---- Cox: Efron and Breslow; covariates; strata; the three global tests; cox.zph -----------
cox_rows <- list(); test_rows <- list(); zph_rows <- list()
cox <- function(ds, formula, label, ref) {
  d <- rd(ds); d$event <- as.integer(d$CNSR == 0)
  d$ARM <- relevel(factor(d$ARM), ref = ref)
  for (ties in c("efron", "breslow")) {
    fit <- coxph(formula, data = d, ties = ties, model = TRUE)
    s <- summary(fit)
    cf <- s$coefficients; ci <- s$conf.int
    cox_rows[[length(cox_rows) + 1]] <<- data.frame(dataset = ds, model = label, ties = ties,
      term = rownames(cf), coef = cf[, "coef"], se = cf[, "se(coef)"], hr = ci[, "exp(coef)"],
      lower = ci[, "lower .95"], upper = ci[, "upper .95"], p = cf[, "Pr(>|z|)"])
    test_rows[[length(test_rows) + 1]] <<- data.frame(dataset = ds, model = label, ties = ties,
      test = c("likelihood ratio", "wald", "score"),
      # unrounded (summary.coxph rounds the Wald statistic to 2 decimals)
      statistic = c(2 * diff(fit$loglik), fit$wald.test, fit$score),
      df = c(s$logtest["df"], s$waldtest["df"], s$sctest["df"]),
      p = c(s$logtest["pvalue"], s$waldtest["pvalue"], s$sctest["pvalue"]),
      loglik0 = fit$loglik[1], loglik = fit$loglik[2])
    z <- cox.zph(fit)
    zph_rows[[length(zph_rows) + 1]] <<- data.frame(dataset = ds, model = label, ties = ties,
      term = rownames(z$table), chisq = z$table[, "chisq"], df = z$table[, "df"],
      p = z$table[, "p"])
  }
}
cox("ties", Surv(AVAL, event) ~ ARM, "arm", "B")
cox("ties", Surv(AVAL, event) ~ ARM + X, "arm+x", "B")
cox("ties", Surv(AVAL, event) ~ ARM + X + strata(STRATUM), "arm+x|stratum", "B")
cox("musc_sflr", Surv(AVAL, event) ~ ARM, "arm", "Placebo")
cox("musc_sflr", Surv(AVAL, event) ~ ARM + AGE, "arm+age", "Placebo")
wr(do.call(rbind, cox_rows), "cox")
wr(do.call(rbind, test_rows), "cox_tests")
wr(do.call(rbind, zph_rows), "cox_zph")

# ---- Firth-penalised Cox, written out here independently of survlupus ----------------------
# Penalised log partial likelihood l(b) + 0.5 log det I(b) (Heinze & Schemper 2001), with l and
# I(b) taken from survival::coxph at fixed b (iter.max = 0), maximised with optim, and profile
# penalised-likelihood CIs found with uniroot.
firth <- function(ds, formula, label, ref) {
  d <- rd(ds); d$event <- as.integer(d$CNSR == 0)
  d$ARM <- relevel(factor(d$ARM), ref = ref)
  p_len <- ncol(model.matrix(formula, data = d)) - 1
  pl <- function(b) {
    f <- coxph(formula, data = d, init = b, control = coxph.control(iter.max = 0), ties = "breslow")
    info_det <- tryCatch(det(solve(f$var)), error = function(e) 0)
    if (!is.finite(info_det) || info_det <= 0) return(-1e10)  # information vanishes far out
    f$loglik[2] + 0.5 * log(info_det)
  }
  opt <- optim(rep(0, p_len), function(b) -pl(b), method = "BFGS",
               control = list(reltol = 1e-14, maxit = 1000))
  bhat <- opt$par; lmax <- -opt$value
  crit <- qchisq(0.95, 1) / 2
  ci <- t(sapply(seq_len(p_len), function(j) {
    prof <- function(bj) {
      if (p_len == 1) return(pl(bj))
      inner <- optim(bhat[-j], function(bo) { b <- bhat; b[j] <- bj; b[-j] <- bo; -pl(b) },
                     method = "BFGS", control = list(reltol = 1e-14))
      -inner$value
    }
    g <- function(bj) lmax - prof(bj) - crit
    c(uniroot(g, c(bhat[j] - 20, bhat[j]), tol = 1e-10)$root,
      uniroot(g, c(bhat[j], bhat[j] + 20), tol = 1e-10)$root)
  }))
  # profile penalised likelihood-ratio p-value for b_j = 0
  pv <- sapply(seq_len(p_len), function(j) {
    if (p_len == 1) return(pchisq(2 * (lmax - pl(0)), 1, lower.tail = FALSE))
    inner <- optim(bhat[-j], function(bo) { b <- rep(0, p_len); b[-j] <- bo; -pl(b) },
                   method = "BFGS", control = list(reltol = 1e-14))
    pchisq(2 * (lmax + inner$value), 1, lower.tail = FALSE)
  })
  names_ <- colnames(model.matrix(formula, data = d))[-1]
  data.frame(dataset = ds, model = label, term = names_, coef = bhat, hr = exp(bhat),
             lower = exp(ci[, 1]), upper = exp(ci[, 2]), p = pv, penalised_loglik = lmax)
}
wr(rbind(firth("zero", Surv(AVAL, event) ~ ARM, "arm", "Placebo"),
         firth("zero", Surv(AVAL, event) ~ ARM + X, "arm+x", "Placebo"),
         firth("ties", Surv(AVAL, event) ~ ARM, "arm", "B")), "firth")

# ---- competing risks: cumulative incidence (cmprsk::cuminc and survival's Aalen-Johansen) ---
cif_rows <- list(); gray_rows <- list(); aj_rows <- list()
for (ds in c("cr_ties", "musc_cr")) {
  d <- rd(ds)
  ci <- cuminc(d$AVAL, d$CRSTAT, d$ARM, cencode = 0)
  if (!is.null(ci$Tests)) {
    gray_rows[[length(gray_rows) + 1]] <- data.frame(dataset = ds, cause = rownames(ci$Tests),
      statistic = ci$Tests[, "stat"], p = ci$Tests[, "pv"], df = ci$Tests[, "df"])
  }
  times <- sort(unique(d$AVAL))
  tp <- timepoints(ci[names(ci) != "Tests"], times)
  for (nm in rownames(tp$est)) {
    parts <- strsplit(nm, " ")[[1]]
    cif_rows[[length(cif_rows) + 1]] <- data.frame(dataset = ds,
      group = paste(parts[-length(parts)], collapse = " "), cause = parts[length(parts)],
      time = times, estimate = as.numeric(tp$est[nm, ]), variance = as.numeric(tp$var[nm, ]))
  }
  d$state <- factor(d$CRSTAT, levels = c(0, 1, 2), labels = c("censor", "cause1", "cause2"))
  aj <- survfit(Surv(AVAL, state) ~ ARM, data = d)
  s <- summary(aj, times = times, extend = TRUE)
  grp <- sub("ARM=", "", as.character(s$strata))
  for (k in 2:3) {
    aj_rows[[length(aj_rows) + 1]] <- data.frame(dataset = ds, group = grp,
      cause = as.character(k - 1), time = s$time, n_risk = s$n.risk[, 1],
      estimate = s$pstate[, k], std_err = s$std.err[, k], lower = s$lower[, k],
      upper = s$upper[, k])
  }
}
wr(do.call(rbind, cif_rows), "cuminc")
wr(do.call(rbind, gray_rows), "gray")
wr(do.call(rbind, aj_rows), "aalen_johansen")
cat("R reference values written to", out_dir, "\n")
