# Reference values for engagesurvey.qual.cases: empirical-Bayes unit residuals from
# lme4::lmer(we ~ agency + (1 | unit)) (REML). Run from tests/reference/: Rscript qual_cases.R
# -> qual_cases.json, data/qual_cases.csv
suppressPackageStartupMessages({library(jsonlite); library(lme4)})
set.seed(777)
ag <- c("BKN", "KemenPAN", "LAN")
units <- data.frame(unit = sprintf("U%02d", 1:24), agency = rep(ag, each = 8),
                    u = rnorm(24, 0, 0.35))
units$size <- sample(c(3, 6, 8, 10, 12), 24, replace = TRUE)
d <- do.call(rbind, lapply(seq_len(nrow(units)), function(i) {
  n <- units$size[i]
  data.frame(unit = units$unit[i], agency = units$agency[i],
             we = round(4 + c(BKN = 0, KemenPAN = 0.3, LAN = -0.2)[units$agency[i]] + units$u[i] +
                        rnorm(n, 0, 0.8), 3),
             tenure = round(runif(n, 1, 30)))
}))
write.csv(d, "data/qual_cases.csv", row.names = FALSE)
m <- lmer(we ~ agency + (1 | unit), data = d, REML = TRUE)
re <- ranef(m)$unit
vc <- as.data.frame(VarCorr(m))
m2 <- lmer(we ~ agency + tenure + (1 | unit), data = d, REML = TRUE)
re2 <- ranef(m2)$unit
out <- list(ranef = setNames(as.list(re[, 1]), rownames(re)), tau2 = vc$vcov[1], sigma2 = vc$vcov[2],
            ranef_tenure = setNames(as.list(re2[, 1]), rownames(re2)))
write_json(out, "qual_cases.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
