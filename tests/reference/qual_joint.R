# Reference values for engagesurvey.qual.joint: theme-by-group tests (chisq.test with R's default
# continuity correction, fisher.test exact incl. r x c), p.adjust(holm), tertiles by quantile type 7.
# Run from tests/reference/: Rscript qual_joint.R -> qual_joint.json, data/qual_joint_respondents.csv,
# data/qual_joint_coded.csv
suppressPackageStartupMessages(library(jsonlite))
set.seed(4242)
n <- 60
resp <- data.frame(id = sprintf("P%02d", 1:n), agency = rep(c("BKN", "LAN", "KemenPAN"), each = 20),
                   sex = rep(c("F", "M"), times = 30), we = round(rnorm(n, 4, 1), 2))
theme_p <- list(feedback = c(.2, .5, .7), ownership = c(.5, .5, .6), barriers_time = c(.02, .1, .25))
coded <- do.call(rbind, lapply(names(theme_p), function(t) {
  p <- theme_p[[t]][match(resp$agency, c("BKN", "LAN", "KemenPAN"))]
  has <- runif(n) < p
  data.frame(unit = resp$id[has], theme = rep(t, sum(has)), excerpt = paste("kutipan", t, resp$id[has]))
}))
write.csv(resp, "data/qual_joint_respondents.csv", row.names = FALSE)
write.csv(coded, "data/qual_joint_coded.csv", row.names = FALSE)

one <- function(groups) {
  groups <- factor(groups)
  res <- lapply(names(theme_p), function(t) {
    present <- resp$id %in% coded$unit[coded$theme == t]
    tab <- table(factor(present, levels = c(TRUE, FALSE)), groups)
    ex <- suppressWarnings(chisq.test(tab)$expected)
    if (min(ex) >= 5) {
      ct <- chisq.test(tab)
      list(test = "chisq", statistic = unname(ct$statistic), df = unname(ct$parameter), pvalue = ct$p.value,
           counts = as.vector(tab[1, ]))
    } else {
      list(test = "fisher", statistic = if (nlevels(groups) == 2) unname(fisher.test(tab)$estimate) else NA,
           pvalue = fisher.test(tab)$p.value, counts = as.vector(tab[1, ]))
    }
  })
  names(res) <- names(theme_p)
  p <- sapply(res, function(r) r$pvalue)
  list(themes = res, holm = as.list(p.adjust(p, "holm")), levels = levels(groups))
}
q <- quantile(resp$we, c(0, 1/3, 2/3, 1), type = 7)
tert <- cut(resp$we, q, include.lowest = TRUE, labels = c("low", "middle", "high"))
out <- list(agency = one(resp$agency), sex = one(resp$sex), tertile = one(tert),
            tertile_groups = as.character(tert),
            holm_example = list(p = c(0.01, 0.04, 0.03, 0.2, NA), adj = p.adjust(c(0.01, 0.04, 0.03, 0.2, NA), "holm")))
write_json(out, "qual_joint.json", digits = NA, auto_unbox = TRUE, pretty = TRUE, na = "null")
