# Standard errors, t, p and 95% CIs of every coefficient in both equations of PROCESS models 7 and 14
# (engagesurvey.models.moderation.process(...).table), same data and equations as models_moderation.R:
# classical OLS via summary(lm(...)) and confint(lm(...)) (process uses homoskedastic OLS SEs).
# Run from this folder: Rscript process_se.R   (writes process_se.json)
library(jsonlite)
sc <- read.csv("data/models_bfi_scales.csv")
d <- sc[complete.cases(sc[, c("A", "C", "E", "N")]), ]
d$Ac <- d$A - mean(d$A); d$Nc <- d$N - mean(d$N); d$Cc <- d$C - mean(d$C)
d$AN <- d$Ac * d$Nc; d$CN <- d$Cc * d$Nc
tab <- function(f) {
  s <- coef(summary(f)); ci <- confint(f, level = 0.95)
  list(terms = rownames(s), est = unname(s[, 1]), se = unname(s[, 2]), t = unname(s[, 3]),
       p = unname(s[, 4]), lower = unname(ci[, 1]), upper = unname(ci[, 2]), df = f$df.residual)
}
res <- list(n = nrow(d),
  # model 7: C ~ A + N + A:N ; E ~ A + C   (A, N mean-centred; C raw)
  m7 = list(m = tab(lm(C ~ Ac + Nc + AN, d)), y = tab(lm(E ~ Ac + C, d))),
  # model 14: C ~ A ; E ~ A + C + N + C:N   (A, C, N mean-centred; raw C as the mediator's outcome)
  m14 = list(m = tab(lm(C ~ Ac, d)), y = tab(lm(E ~ Ac + Cc + Nc + CN, d))))
write_json(res, "process_se.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
