# Fixture for engagesurvey.models.ordinal_logit: education ~ A + N + gender on bfi scale means; ordinal::clm (and MASS::polr) proportional-odds logit,
# ordinal::nominal_test (likelihood-ratio test of proportional odds per predictor), and a model with
# unit fixed effects on the simulated data of models_multilevel.R. Run from tests/reference/.
library(jsonlite); library(ordinal); library(MASS)
sc <- read.csv("data/models_bfi_scales.csv")      # written by models_regression.R
d <- sc[complete.cases(sc[, c("education", "A", "N", "gender")]), ]
d$edu <- factor(d$education, ordered = TRUE)
f <- clm(edu ~ A + N + gender, data = d)
pl <- polr(edu ~ A + N + gender, data = d, Hess = TRUE)
nt <- nominal_test(f)
V <- vcov(f)
res <- list(n = nrow(d),
  beta = unname(coef(f)[c("A", "N", "gender")]), theta = unname(coef(f)[1:4]),
  beta_se = unname(sqrt(diag(V))[c("A", "N", "gender")]), theta_se = unname(sqrt(diag(V))[1:4]),
  loglik = as.numeric(logLik(f)), aic = AIC(f), bic = BIC(f),
  polr_beta = unname(coef(pl)), polr_zeta = unname(pl$zeta), polr_loglik = as.numeric(logLik(pl)),
  nominal = list(terms = rownames(nt)[-1], df = nt$Df[-1], loglik = nt$logLik[-1], lrt = nt$LRT[-1],
                 p = nt$`Pr(>Chi)`[-1]))
s <- read.csv("data/models_multilevel.csv")
s$r <- factor(s$rating, ordered = TRUE)
s$unit <- factor(s$unit)
fe <- clm(r ~ x + m + unit, data = s)
Vf <- vcov(fe)
k <- nlevels(s$r) - 1
res$fe <- list(n = nrow(s), beta = unname(coef(fe)[c("x", "m")]),
               beta_se = unname(sqrt(diag(Vf))[c("x", "m")]), theta = unname(coef(fe)[1:k]),
               loglik = as.numeric(logLik(fe)), bic = BIC(fe))
write_json(res, "models_ordinal.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
