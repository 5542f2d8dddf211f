# MMRM reference values: nlme::gls (REML) with emmeans (Satterthwaite), for the cases written by
# validation/mmrm_datasets.py. Output: validation/r/output/mmrm_reference.csv
#   Rscript validation/r/mmrm.R
suppressPackageStartupMessages({library(nlme); library(emmeans)})
here <- function(...) file.path("validation", ...)
cases <- list(
  list(name = "musc_c3", file = "mmrm_musc_c3.csv", ref = "Placebo",
       structures = c("us", "cs", "csh", "ar1", "arh1", "toep")),
  list(name = "musc_sledai", file = "mmrm_musc_sledai.csv", ref = "Placebo", structures = c("us")),
  list(name = "nanjing_sledai", file = "mmrm_nanjing_sledai.csv", ref = NA,
       structures = c("us", "ar1")),
  list(name = "hand", file = "mmrm_hand.csv", ref = "Control", structures = c("us", "cs", "ar1"))
)
fit_one <- function(d, structure, single, tight = TRUE) {
  T <- length(levels(d$AVISIT))
  f <- if (single) CHG ~ AVISIT + BASE:AVISIT else CHG ~ ARM * AVISIT + BASE * AVISIT
  cor <- switch(structure,
    us = corSymm(form = ~ VISITN | USUBJID), cs = corCompSymm(form = ~ 1 | USUBJID),
    csh = corCompSymm(form = ~ 1 | USUBJID), ar1 = corAR1(form = ~ VISITN | USUBJID),
    arh1 = corAR1(form = ~ VISITN | USUBJID),
    toep = corARMA(form = ~ VISITN | USUBJID, p = T - 1))
  w <- if (structure %in% c("us", "csh", "arh1")) varIdent(form = ~ 1 | AVISIT) else NULL
  ctrl <- if (tight) glsControl(maxIter = 500, msMaxIter = 500, tolerance = 1e-10,
                                msTol = 1e-10) else glsControl()
  args <- list(model = f, data = d, method = "REML", correlation = cor, control = ctrl)
  if (!is.null(w)) args$weights <- w
  do.call("gls", args)  # the call holds the objects themselves, so emmeans can re-evaluate it
}
rows <- list()
for (case in cases) {
  d <- read.csv(here("data", case$file), stringsAsFactors = FALSE)
  visits <- unique(d$AVISIT[order(d$VISITN)])
  d$AVISIT <- factor(d$AVISIT, levels = visits)
  single <- is.na(case$ref)
  if (!single) d$ARM <- relevel(factor(d$ARM), ref = case$ref)
  d$USUBJID <- factor(d$USUBJID)
  for (s in case$structures) {
    # estimates and standard errors from a tightly converged fit; Satterthwaite df from a fit
    # with nlme's default control (its numerical apVar, which emmeans needs, fails at 1e-10)
    fit <- fit_one(d, s, single)
    spec <- if (single) ~ AVISIT else ~ ARM | AVISIT
    em <- emmeans(fit, spec, mode = "df.error", data = d)
    em_df <- tryCatch(
      emmeans(fit_one(d, s, single, tight = FALSE), spec, mode = "satterthwaite", data = d),
      error = function(e) { cat(case$name, s, ": no Satterthwaite df:", conditionMessage(e), "\n"); NULL })
    es <- as.data.frame(summary(em))
    es$df <- if (is.null(em_df)) NA else as.data.frame(summary(em_df))$df
    arm <- if (single) rep("all", nrow(es)) else as.character(es$ARM)
    rows[[length(rows) + 1]] <- data.frame(case = case$name, structure = s, kind = "lsmean",
      arm = arm, visit = as.character(es$AVISIT), estimate = es$emmean, se = es$SE, df = es$df,
      loglik = as.numeric(logLik(fit)))
    if (!single) {
      ct <- as.data.frame(summary(contrast(em, "trt.vs.ctrl", ref = 1)))
      ct$df <- if (is.null(em_df)) NA else
        as.data.frame(summary(contrast(em_df, "trt.vs.ctrl", ref = 1)))$df
      rows[[length(rows) + 1]] <- data.frame(case = case$name, structure = s, kind = "contrast",
        arm = sub(" - .*$", "", as.character(ct$contrast)), visit = as.character(ct$AVISIT),
        estimate = ct$estimate, se = ct$SE, df = ct$df, loglik = as.numeric(logLik(fit)))
    }
  }
}
out <- do.call(rbind, rows)
write.csv(out, here("r", "output", "mmrm_reference.csv"), row.names = FALSE)
cat(sprintf("R %s, nlme %s, emmeans %s: %d rows\n", getRversion(), packageVersion("nlme"),
            packageVersion("emmeans"), nrow(out)))

# Slopes: random intercept and slope per subject, REML (validation/data/slope_*_egfr.csv)
slope_rows <- list()
for (name in c("musc", "nanjing")) {
  d <- read.csv(here("data", sprintf("slope_%s_egfr.csv", name)), stringsAsFactors = FALSE)
  single <- length(unique(d$ARM)) == 1
  if (!single) d$ARM <- relevel(factor(d$ARM), ref = "Placebo")
  f <- if (single) AVAL ~ TIME else AVAL ~ TIME * ARM
  fit <- lme(f, random = ~ TIME | USUBJID, data = d, method = "REML",
             control = lmeControl(maxIter = 500, msMaxIter = 500, tolerance = 1e-10,
                                  msTol = 1e-12))
  b <- fixef(fit); V <- vcov(fit)
  arms <- if (single) "all" else levels(d$ARM)
  for (a in arms) {
    L <- setNames(numeric(length(b)), names(b)); L["TIME"] <- 1
    if (a != arms[1]) L[paste0("TIME:ARM", a)] <- 1
    slope_rows[[length(slope_rows) + 1]] <- data.frame(case = name, arm = a, comparison = "",
      estimate = sum(L * b), se = sqrt(drop(t(L) %*% V %*% L)))
    if (a != arms[1]) {
      L2 <- setNames(numeric(length(b)), names(b)); L2[paste0("TIME:ARM", a)] <- 1
      slope_rows[[length(slope_rows) + 1]] <- data.frame(case = name, arm = a,
        comparison = paste(a, "vs", arms[1]), estimate = sum(L2 * b),
        se = sqrt(drop(t(L2) %*% V %*% L2)))
    }
  }
}
write.csv(do.call(rbind, slope_rows), here("r", "output", "slope_reference.csv"), row.names = FALSE)
