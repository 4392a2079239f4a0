# Fixture for engagesurvey.models.moderation / process on bfi scale means (data/models_bfi_scales.csv):
# moderation E ~ A * N (mean-centred), simple slopes at -1 SD / mean / +1 SD of N, Johnson-Neyman
# points by hand; PROCESS models 7 (A -> C -> E, N moderating A -> C) and 14 (N moderating C -> E):
# lm point estimates, conditional indirect effects and the index of moderated mediation, plus lavaan
# bootstrap CIs (its own RNG) for Monte Carlo-tolerance comparison. Run from tests/reference/.
library(jsonlite); library(lavaan)
sc <- read.csv("data/models_bfi_scales.csv")
d <- sc[complete.cases(sc[, c("A", "C", "E", "N")]), ]
d$Ac <- d$A - mean(d$A); d$Nc <- d$N - mean(d$N); d$Cc <- d$C - mean(d$C)
f <- lm(E ~ Ac * Nc, d)
b <- coef(f); V <- vcov(f); dfr <- f$df.residual
sdN <- sd(d$N); wv <- c(-sdN, 0, sdN)
slope <- b["Ac"] + b["Ac:Nc"] * wv
sse <- sqrt(V["Ac", "Ac"] + wv^2 * V["Ac:Nc", "Ac:Nc"] + 2 * wv * V["Ac", "Ac:Nc"])
tc <- qt(0.975, dfr)
qa <- b["Ac:Nc"]^2 - tc^2 * V["Ac:Nc", "Ac:Nc"]
qb <- 2 * (b["Ac"] * b["Ac:Nc"] - tc^2 * V["Ac", "Ac:Nc"])
qc <- b["Ac"]^2 - tc^2 * V["Ac", "Ac"]
disc <- qb^2 - 4 * qa * qc
jn <- sort((-qb + c(-1, 1) * sqrt(disc)) / (2 * qa)) + mean(d$N)    # in N's own metric
fu <- lm(E ~ A * N, d)
res <- list(n = nrow(d), coef = unname(b), se = unname(sqrt(diag(V))), terms = names(b),
  r2 = summary(f)$r.squared, r2_change = summary(f)$r.squared - summary(lm(E ~ Ac + Nc, d))$r.squared,
  w_values = unname(wv + mean(d$N)), slope = unname(slope), slope_se = unname(sse),
  slope_p = unname(2 * pt(-abs(slope / sse), dfr)),
  slope_lower = unname(slope - tc * sse), slope_upper = unname(slope + tc * sse), jn = unname(jn),
  uncentered_coef = unname(coef(fu)), n_range = range(d$N))
# PROCESS model 7: C ~ A + N + A:N ; E ~ A + C  (A and N mean-centred)
d$AN <- d$Ac * d$Nc; d$CN <- d$Cc * d$Nc
m7a <- lm(C ~ Ac + Nc + AN, d); m7b <- lm(E ~ Ac + C, d)
a <- coef(m7a); bb <- coef(m7b)
res$m7 <- list(a1 = unname(a["Ac"]), a3 = unname(a["AN"]), b = unname(bb["C"]), c_prime = unname(bb["Ac"]),
  index = unname(a["AN"] * bb["C"]), cond = unname((a["Ac"] + a["AN"] * wv) * bb["C"]))
# PROCESS model 14: C ~ A ; E ~ A + C + N + C:N   (C and N mean-centred in the product)
m14a <- lm(C ~ Ac, d); m14b <- lm(E ~ Ac + Cc + Nc + CN, d)
a14 <- coef(m14a); b14 <- coef(m14b)
res$m14 <- list(a = unname(a14["Ac"]), b1 = unname(b14["Cc"]), b3 = unname(b14["CN"]),
  index = unname(a14["Ac"] * b14["CN"]), cond = unname(a14["Ac"] * (b14["Cc"] + b14["CN"] * wv)))
set.seed(99)
mod7 <- sprintf("C ~ a1*Ac + Nc + a3*AN\nE ~ cp*Ac + b*C\nindex := a3*b\nlo := (a1 + a3*(%.17g))*b\nhi := (a1 + a3*(%.17g))*b", -sdN, sdN)
f7 <- sem(mod7, data = d, se = "bootstrap", bootstrap = 1500, iseed = 3)
p7 <- parameterEstimates(f7, boot.ci.type = "perc")
mod14 <- sprintf("Cc ~ a*Ac\nE ~ cp*Ac + b1*Cc + Nc + b3*CN\nindex := a*b3\nlo := a*(b1 + b3*(%.17g))\nhi := a*(b1 + b3*(%.17g))", -sdN, sdN)
f14 <- sem(mod14, data = d, se = "bootstrap", bootstrap = 1500, iseed = 4)
p14 <- parameterEstimates(f14, boot.ci.type = "perc")
g <- function(p, l) c(p$se[p$label == l], p$ci.lower[p$label == l], p$ci.upper[p$label == l])
res$lavaan <- list(B = 1500, m7_index = g(p7, "index"), m7_lo = g(p7, "lo"), m7_hi = g(p7, "hi"),
                   m14_index = g(p14, "index"), m14_lo = g(p14, "lo"), m14_hi = g(p14, "hi"))
write_json(res, "models_moderation.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
