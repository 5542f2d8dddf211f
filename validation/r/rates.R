# Flare-rate models: Poisson and negative binomial GLMs with a log(years) offset, for
# tests/test_edges_vs_r.py.  Rscript validation/r/rates.R -> validation/r/output/rates_reference.csv
suppressPackageStartupMessages(library(MASS))
d <- read.csv(file.path("validation", "data", "rates_nb.csv"))
d$ARM <- relevel(factor(d$ARM), ref = "Placebo")
pois <- glm(events ~ ARM + offset(log(years)), family = poisson, data = d,
            control = glm.control(epsilon = 1e-14, maxit = 100))
nb <- glm.nb(events ~ ARM + offset(log(years)), data = d,
             control = glm.control(epsilon = 1e-14, maxit = 100))
out <- rbind(
  data.frame(model = "poisson", term = names(coef(pois)), estimate = unname(coef(pois)),
             se = unname(sqrt(diag(vcov(pois))))),
  data.frame(model = "negbin", term = names(coef(nb)), estimate = unname(coef(nb)),
             se = unname(sqrt(diag(vcov(nb))))),
  data.frame(model = "negbin", term = "theta", estimate = nb$theta, se = nb$SE.theta)
)
write.csv(out, file.path("validation", "r", "output", "rates_reference.csv"), row.names = FALSE)
cat(sprintf("MASS %s: %d rows\n", packageVersion("MASS"), nrow(out)))
