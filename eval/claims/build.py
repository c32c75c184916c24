"""Builds eval/claims/corrupted.jsonl: hand-written correct claims and their corruptions.

Each item names an article, the start of one of its sentences (expanded here to the whole sentence,
checked to be verbatim in the file), a correct answer sentence citing it, and corruptions of that
claim made by hand: a value swapped for another value of the same article, a value moved to another
subject of the same quote, a negation dropped or added. Split by article as in the project's dev/test split
(dev and test articles listed below); seed articles are dev.

ITEMS were written first: the check was tuned on their dev part, then run on their test part. FRESH, FRESH2
and FRESH3 (test articles, other sentences) were each written after the check had last been changed; rows
from them carry "fresh": 1, 2 or 3, and eval/claims/run.py reports them on their own. Only the first run on
each set is a held-out number (docs/EVALUATION.md, "Claim check").

    python eval/claims/build.py        # rewrites eval/claims/corrupted.jsonl
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from vectorstore.chunking import split_sentences  # noqa: E402

DEV = {"Private_school", "Fresno_California", "Ctenophora", "American_Broadcasting_Company", "Kenya",
       "United_Methodist_Church", "Doctor_Who", "Huguenot", "Rhine", "Yuan_dynasty", "Normans", "Nikola_Tesla"}
TEST = {"Amazon_rainforest", "Sky_United_Kingdom", "Scottish_Parliament", "Economic_inequality",
        "Victoria_and_Albert_Museum", "Pharmacy", "Steam_engine", "Computational_complexity_theory",
        "Southern_California", "Chloroplast", "Martin_Luther", "Intergovernmental_Panel_on_Climate_Change"}

S0, S1 = "seeds/000_93fb345e8f737034.txt", "seeds/001_b601bfb4ae3c3ca1.txt"

# (source, start of the quoted sentence, correct claim, [(corruption, corrupted claim), ...])
ITEMS: list[tuple[str, str, str, list[tuple[str, str]]]] = [
    # ---- dev: seeds ----
    (S1, "This meeting marks", "Kim's previous encounter with Putin took place in 2019 [1].", [
        ("move-value", "The summit will take place in 2019 during Kim's last overseas trip [1]."),
        ("swap-date", "Kim's previous encounter with Putin took place in 2023 [1]."),
    ]),
    (S1, "This meeting marks", "This meeting is Kim's second summit with Putin [1].", [
        ("swap-number", "This meeting is Kim's seventh summit with Putin [1]."),
    ]),
    (S1, "It’s worth noting that Kim’s foreign",
     "Kim has made only seven trips outside North Korea during his 12-year rule [1].", [
        ("move-value", "Kim has made only four trips outside North Korea during his 12-year rule [1]."),
        ("swap-number", "Kim has made only seven trips outside North Korea during his 18-year rule [1]."),
    ]),
    (S1, "It’s worth noting that Kim’s foreign", "Four of Kim's trips abroad were to China [1].", [
        ("swap-place", "Four of Kim's trips abroad were to Russia [1]."),
    ]),
    (S1, "Putin arrived in Vladivostok", "Putin arrived in Vladivostok on Monday [1].", [
        ("move-value", "Putin arrived in Vladivostok on Wednesday [1]."),
    ]),
    (S1, "Putin arrived in Vladivostok", "The Eastern Economic Forum runs through Wednesday [1].", [
        ("move-value", "The Eastern Economic Forum runs through Monday [1]."),
    ]),
    (S0, "Putin and Kim last met", "Putin and Kim last met in 2019 in Vladivostok [1].", [
        ("swap-place", "Putin and Kim last met in 2019 in Pyongyang [1]."),
        ("swap-date", "Putin and Kim last met in 2023 in Vladivostok [1]."),
    ]),
    (S0, "Putin and Kim last met", "Vladivostok is about 680km north of Pyongyang [1].", []),
    (S0, "Kim left Pyongyang", "Kim left Pyongyang by train on Sunday, September 10, 2023 [1].", [
        ("swap-date", "Kim left Pyongyang by train on Tuesday, September 12, 2023 [1]."),
    ]),
    (S0, "Putin has been at Vladivostok", "The Eastern Economic Forum will end on September 13, 2023 [1].", [
        ("move-value", "The Eastern Economic Forum will end on September 11, 2023 [1]."),
    ]),
    (S0, "Putin has been at Vladivostok", "Putin has been at Vladivostok since Monday, September 11, 2023 [1].", [
        ("move-value", "Putin has been at Vladivostok since September 13, 2023 [1]."),
    ]),
    (S1, "Peskov mentioned that the meeting", "No news conference with the leaders had been planned [1].", [
        ("drop-negation", "A news conference with the leaders had been planned [1]."),
    ]),
    # ---- dev: SQuAD articles ----
    ("Normans", "On 1 May 1191", "Richard's fleet arrived in the port of Limassol on Cyprus on 1 May 1191 [1].", [
        ("swap-date", "Richard's fleet arrived in the port of Limassol on Cyprus on 12 May 1191 [1]."),
    ]),
    ("Normans", "The wedding was held", "The wedding was held on 12 May 1191 at the Chapel of St. George [1].", [
        ("swap-place", "The wedding was held on 12 May 1191 in Sicily [1]."),
    ]),
    ("Normans", "After allying himself", "In 1081 he led an army of 30,000 men in 300 ships [1].", [
        ("move-value", "In 1081 he led an army of 300 men in 30,000 ships [1]."),
        ("swap-number", "In 1081 he led an army of 8,000 men in 300 ships [1]."),
    ]),
    ("Normans", "It was only in 1489", "The Venetians acquired full control of the island in 1489 [1].", [
        ("move-value", "The Venetians acquired full control of the island in 1571 [1]."),
    ]),
    ("Nikola_Tesla", "On his 50th birthday", "In 1906 Tesla demonstrated his 200 horsepower bladeless turbine [1].", [
        ("move-value", "In 1906 Tesla demonstrated his 16,000 horsepower bladeless turbine [1]."),
        ("swap-date", "In 1899 Tesla demonstrated his 200 horsepower bladeless turbine [1]."),
    ]),
    ("Nikola_Tesla", "Tesla served as a vice president",
     "Tesla was a vice president of the American Institute of Electrical Engineers from 1892 to 1894 [1].", [
        ("swap-name", "Tesla was a vice president of the Institute of Radio Engineers from 1892 to 1894 [1]."),
    ]),
    ("Nikola_Tesla", "On 24 March 1879", "On 24 March 1879 Tesla was returned to Gospić under police guard [1].", [
        ("swap-place", "On 24 March 1879 Tesla was returned to Graz under police guard [1]."),
    ]),
    ("Nikola_Tesla", "In 1893, George Westinghouse",
     "In 1893 George Westinghouse won the bid to light the World's Columbian Exposition in Chicago [1].", [
        ("swap-name", "In 1893 General Electric won the bid to light the World's Columbian Exposition in Chicago [1]."),
    ]),
    ("Nikola_Tesla", "Starting in 1934", "Starting in 1934, Westinghouse paid Tesla $125 per month [1].", [
        ("swap-number", "Starting in 1934, Westinghouse paid Tesla $50,000 per month [1]."),
    ]),
    ("Yuan_dynasty", "In 1271, Kublai formally", "Kublai formally claimed the Mandate of Heaven in 1271 [1].", [
        ("move-value", "Kublai formally claimed the Mandate of Heaven in 1272 [1]."),
    ]),
    ("Yuan_dynasty", "In 1271, Kublai formally",
     "Kublai declared that 1272 was the first year of the Great Yuan [1].", [
        ("move-value", "Kublai declared that 1271 was the first year of the Great Yuan [1]."),
    ]),
    ("Yuan_dynasty", "Emperor Gegeen Khan", "Gegeen Khan ruled from 1321 to 1323 [1].", [
        ("swap-name", "Ayurbarwada ruled from 1321 to 1323 [1]."),
        ("swap-date", "Gegeen Khan ruled from 1294 to 1307 [1]."),
    ]),
    ("Yuan_dynasty", "Kublai besieged Xiangyang", "Kublai besieged Xiangyang between 1268 and 1273 [1].", [
        ("swap-place", "Kublai besieged the Yangzi River basin between 1268 and 1273 [1]."),
    ]),
    ("Yuan_dynasty", "Yet, Toghtogha resigned", "Toghtogha was called back in 1349 [1].", [
        ("drop-negation", "Toghtogha was not called back in 1349 [1]."),
    ]),
    ("Kenya", "On 28 February 2008",
     "On 28 February 2008 Kibaki and Odinga signed an agreement on the formation of a coalition government [1].", []),
    ("Kenya", "On 28 February 2008", "Under the agreement, Odinga would become Kenya's second Prime Minister [1].", [
        ("swap-name", "Under the agreement, Kibaki would become Kenya's second Prime Minister [1]."),
    ]),
    ("Kenya", "Kenyan lawmakers unanimously",
     "Kenyan lawmakers unanimously approved a power-sharing deal on 18 March 2008 [1].", [
        ("swap-date", "Kenyan lawmakers unanimously approved a power-sharing deal on 28 February 2008 [1]."),
    ]),
    ("Kenya", "With International Criminal Court",
     "Barack Obama chose not to visit the country during his mid-2013 African trip [1].", [
        ("drop-negation", "Barack Obama chose to visit the country during his mid-2013 African trip [1]."),
    ]),
    ("Kenya", "Roughly 4% of Muslims", "About 73% of Muslims are Sunni [1].", [
        ("move-value", "About 4% of Muslims are Sunni [1]."),
    ]),
    ("Huguenot", "On 31 December 1687",
     "The first organised group of Huguenots set sail from the Netherlands on 31 December 1687 [1].", [
        ("swap-date", "The first organised group of Huguenots set sail from the Netherlands on 6 April 1652 [1]."),
    ]),
    ("Huguenot", "The first Huguenot to arrive",
     "Maria de la Queillerie arrived at the Cape of Good Hope on 6 April 1652 [1].", [
        ("swap-name", "Jan van Riebeeck was the first Huguenot to arrive at the Cape of Good Hope [1]."),
    ]),
    ("Rhine", "The allies left the Rhineland", "The allies left the Rhineland in 1930 [1].", [
        ("move-value", "The allies left the Rhineland in 1936 [1]."),
    ]),
    ("Rhine", "The allies left the Rhineland", "The German army re-occupied the Rhineland in 1936 [1].", []),
    ("Rhine", "In 1932 the German encyclopedia",
     "In 1932 the encyclopedia Knaurs Lexikon stated the length as 1,320 kilometres [1].", [
        ("swap-number", "In 1932 the encyclopedia Knaurs Lexikon stated the length as 1,230 kilometres [1]."),
    ]),
    ("Doctor_Who", "During the ITV network strike",
     "Viewership peaked at 16 million during the ITV network strike of 1979 [1].", [
        ("swap-number", "Viewership peaked at 9.1 million during the ITV network strike of 1979 [1]."),
    ]),
    ("Doctor_Who", "Although the film was successful", "The film did not lead to a series [1].", [
        ("drop-negation", "The film led to a series [1]."),
    ]),
    ("Doctor_Who", "Although the film was successful", "The film had 9.1 million viewers in the UK [1].", []),
    ("Private_school", "As of April 2014", "As of April 2014 there were 88 private schools in New Zealand [1].", [
        ("move-value", "As of April 2014 there were 28,000 private schools in New Zealand [1]."),
    ]),
    ("Private_school", "As of 2012, quality private",
     "In 2012 private day schools in New York City charged close to $40,000 annually [1].", [
        ("move-value", "In 2012 boarding schools in the United States charged close to $40,000 annually [1]."),
    ]),
    ("Fresno_California", "When complete, the Lewis",
     "The Lewis S. Eaton trail system will cover 22 miles between Highway 99 and Friant Dam [1].", [
        ("move-value", "The Lewis S. Eaton trail system will cover 35 miles between Highway 99 and Friant Dam [1]."),
    ]),
    ("Fresno_California", "It is approximately 220 miles",
     "It is approximately 220 miles northwest of Los Angeles [1].", [
        ("move-value", "It is approximately 170 miles northwest of Los Angeles [1]."),
    ]),
    ("United_Methodist_Church", "By the opening of the 2008",
     "By the 2008 General Conference, total UMC membership was estimated at 11.4 million [1].", [
        ("move-value", "By the 2008 General Conference, total UMC membership was estimated at 7.9 million [1]."),
    ]),
    ("American_Broadcasting_Company", "ABC's other owned-and-operated",
     "WXYZ-TV in Detroit went on the air on October 9, 1948 [1].", [
        ("move-value", "WENR-TV in Chicago went on the air on October 9, 1948 [1]."),
    ]),
    ("American_Broadcasting_Company", "On April 1, 1963",
     "ABC debuted the soap opera General Hospital on April 1, 1963 [1].", [
        ("swap-date", "ABC debuted the soap opera General Hospital on September 23, 1962 [1]."),
    ]),
    # ---- test ----
    ("Amazon_rainforest", "In 2005, parts of the Amazon",
     "In 2005, parts of the Amazon basin experienced the worst drought in one hundred years [1].", [
        ("move-value", "In 2006, parts of the Amazon basin experienced the worst drought in one hundred years [1]."),
        ("swap-date", "In 2004, parts of the Amazon basin experienced the worst drought in one hundred years [1]."),
    ]),
    ("Amazon_rainforest", "Some 5 million people",
     "Some 5 million people may have lived in the Amazon region in AD 1500 [1].", [
        ("swap-number", "Some 2.5 million people may have lived in the Amazon region in AD 1500 [1]."),
        ("swap-place", "Some 5 million people may have lived in Marajó in AD 1500 [1]."),
    ]),
    ("Amazon_rainforest", "Scientists have described",
     "Scientists have described between 96,660 and 128,843 invertebrate species in Brazil [1].", [
        ("swap-number", "Scientists have described between 2,200 and 128,843 invertebrate species in Brazil [1]."),
    ]),
    ("Amazon_rainforest", "To date, at least 40,000",
     "At least 40,000 plant species have been scientifically classified in the region [1].", [
        ("move-value", "At least 2,200 plant species have been scientifically classified in the region [1]."),
    ]),
    ("Amazon_rainforest", "To date, at least 40,000",
     "1,294 bird species have been scientifically classified in the region [1].", [
        ("move-value", "427 bird species have been scientifically classified in the region [1]."),
    ]),
    ("Sky_United_Kingdom", "Within two months of the launch",
     "Within two months of the launch, BSkyB gained 400,000 new subscribers [1].", [
        ("move-value", "Within two months of the launch, BSkyB gained 3.5 million new subscribers [1]."),
    ]),
    ("Sky_United_Kingdom", "Within two months of the launch", "BSkyB reached 3.5 million households by mid-1994 [1].", [
        ("swap-date", "BSkyB reached 3.5 million households by mid-1998 [1]."),
    ]),
    ("Sky_United_Kingdom", "When Sky Digital was launched",
     "The Astra 2A satellite was located at the 28.5°E orbital position [1].", [
        ("move-value", "The Astra 2A satellite was located at the 19.2°E orbital position [1]."),
    ]),
    ("Sky_United_Kingdom", "When Sky Digital was launched",
     "Sky Digital was launched in 1998 and used the Astra 2A satellite [1].", [
        ("swap-date", "Sky Digital was launched in 2001 and used the Astra 2A satellite [1]."),
    ]),
    ("Sky_United_Kingdom", "On 18 November 2015", "Sky announced Sky Q on 18 November 2015 [1].", [
        ("move-value", "Sky announced Sky Q in 2016 [1]."),
    ]),
    ("Sky_United_Kingdom", "On 18 November 2015", "Sky Q was to be available in 2016 [1].", []),
    ("Sky_United_Kingdom", "Nonetheless, the linear channels", "Virgin Media did not offer the linear channels [1].", [
        ("drop-negation", "Virgin Media offered the linear channels [1]."),
    ]),
    ("Scottish_Parliament", "In May 2000, the Parliament",
     "In May 2000 the Parliament was temporarily relocated to the former Strathclyde Regional Council debating "
     "chamber in Glasgow [1].", [
        ("swap-place", "In May 2000 the Parliament was temporarily relocated to the University of Aberdeen [1]."),
    ]),
    ("Scottish_Parliament", "In May 2000, the Parliament",
     "In May 2002 the Parliament was relocated to the University of Aberdeen [1].", [
        ("swap-date", "In May 2002 the Parliament was relocated to the former Strathclyde Regional Council debating "
                      "chamber in Glasgow [1]."),
    ]),
    ("Scottish_Parliament", "Under the terms of the Scotland Act 1978",
     "Under the Scotland Act 1978, an elected assembly would be set up in Edinburgh [1].", [
        ("swap-place", "Under the Scotland Act 1978, an elected assembly would be set up in Glasgow [1]."),
    ]),
    ("Scottish_Parliament", "Under the terms of the Scotland Act 1978",
     "The referendum had to represent at least 40% of the total electorate [1].", [
        ("swap-number", "The referendum had to represent at least 51.6% of the total electorate [1]."),
    ]),
    ("Scottish_Parliament", "The SNP took 16 seats", "The SNP took 16 seats from Labour [1].", [
        ("move-value", "The SNP took 151 seats from Labour [1]."),
    ]),
    ("Scottish_Parliament", "The SNP took 16 seats",
     "Labour leader Iain Gray retained East Lothian by 151 votes [1].", [
        ("swap-name", "The SNP retained East Lothian by 151 votes [1]."),
    ]),
    ("Scottish_Parliament", "The SNP took 16 seats",
     "Many of Labour's key figures were not returned to parliament [1].", [
        ("drop-negation", "Many of Labour's key figures were returned to parliament [1]."),
    ]),
    ("Scottish_Parliament", "However, it was not until 1978",
     "Final legislative proposals for a Scottish Assembly were passed by the United Kingdom Parliament in 1978 [1].", [
        ("drop-negation", "Final legislative proposals for a Scottish Assembly were not passed by the United Kingdom "
                          "Parliament in 1978 [1]."),
    ]),
    ("Economic_inequality", "A study by the World Institute",
     "The richest 1% of adults owned 40% of global assets in 2000 [1].", [
        ("move-value", "The richest 40% of adults owned 1% of global assets in 2000 [1]."),
        ("swap-number", "The richest 1% of adults owned 90% of global assets in 2000 [1]."),
    ]),
    ("Economic_inequality", "Life expectancy in Sweden", "Life expectancy in Sweden was 80 years [1].", [
        ("move-value", "Life expectancy in Sweden was 82 years [1]."),
    ]),
    ("Victoria_and_Albert_Museum", "Founded in May 1852", "The museum was founded in May 1852 [1].", [
        ("move-value", "The museum was founded in 1857 [1]."),
    ]),
    ("Victoria_and_Albert_Museum", "Founded in May 1852", "The museum moved to the present site in 1857 [1].", [
        ("move-value", "The museum moved to the present site in May 1852 [1]."),
        ("drop-negation", "The museum did not move to the present site in 1857 [1]."),
    ]),
    ("Victoria_and_Albert_Museum", "One of the finest objects displayed",
     "Suzuki Chokichi's bronze incense burner, dated 1875, stands over 2.25 metres high [1].", [
        ("move-value", "Suzuki Chokichi's bronze incense burner, dated 1875, stands over 1.25 metres high [1]."),
        ("swap-date", "Suzuki Chokichi's bronze incense burner, dated 1527, stands over 2.25 metres high [1]."),
    ]),
    ("Victoria_and_Albert_Museum", "One of the finest objects displayed",
     "The incense burner is 1.25 metres in diameter [1].", []),
    ("Pharmacy", "Al-Biruni (973–1050)",
     "Al-Biruni wrote Kitab al-Saydalah, one of the most valuable Islamic works on pharmacology [1].", [
        ("swap-name", "Avicenna wrote Kitab al-Saydalah, one of the most valuable Islamic works on pharmacology [1]."),
    ]),
    ("Pharmacy", "Al-Biruni (973–1050)", "Al-Biruni lived from 973 to 1050 [1].", [
        ("swap-date", "Al-Biruni lived from 936 to 1013 [1]."),
    ]),
    ("Pharmacy", "The place of pharmacists",
     "The place of pharmacists in society was defined in the Taihō Code of 701 [1].", [
        ("move-value", "The place of pharmacists in society was defined in the Taihō Code of 718 [1]."),
        ("swap-name", "The place of pharmacists in society was defined in the Yōrō Code of 701 [1]."),
    ]),
    ("Steam_engine", "A method to lessen",
     "Arthur Woolf patented his high-pressure compound engine in 1805 [1].", [
        ("move-value", "Arthur Woolf patented his high-pressure compound engine in 1804 [1]."),
    ]),
    ("Steam_engine", "A method to lessen",
     "Arthur Woolf invented a method to lessen this heating and cooling in 1804 [1].", [
        ("move-value", "Arthur Woolf invented a method to lessen this heating and cooling in 1805 [1]."),
    ]),
    ("Steam_engine", "A rudimentary steam turbine",
     "Taqi al-Din described a rudimentary steam turbine device in 1551 [1].", [
        ("move-value", "Taqi al-Din described a rudimentary steam turbine device in 1629 [1]."),
        ("swap-name", "Giovanni Branca described a rudimentary steam turbine device in 1551 [1]."),
    ]),
    ("Steam_engine", "The next major step",
     "James Watt developed an improved version of Newcomen's engine, with a separate condenser [1].", [
        ("swap-name", "Newcomen developed an improved version of James Watt's engine, with a separate condenser [1]."),
    ]),
    ("Steam_engine", "Injectors became popular",
     "Injectors are no longer widely used, except in steam locomotives [1].", [
        ("drop-negation", "Injectors are still widely used in steam locomotives [1]."),
    ]),
    ("Steam_engine", "Injectors became popular", "Injectors became popular in the 1850s [1].", [
        ("drop-negation", "Injectors never became popular [1]."),
    ]),
    ("Southern_California", "Los Angeles (at 3.7 million", "Los Angeles has 3.7 million people [1].", [
        ("move-value", "San Diego has 3.7 million people [1]."),
        ("move-value", "Los Angeles has 1.3 million people [1]."),
    ]),
    ("Southern_California", "Out of these, three", "The Los Angeles area has over 12 million inhabitants [1].", [
        ("move-value", "The San Diego area has over 12 million inhabitants [1]."),
    ]),
    ("Southern_California", "Out of these, three", "The San Diego area has over 3 million inhabitants [1].", [
        ("swap-number", "The San Diego area has over 22 million inhabitants [1]."),
    ]),
    ("Chloroplast", "In land plants, chloroplasts",
     "In land plants, chloroplasts are generally 5–8 μm in diameter [1].", [
        ("move-value", "In land plants, chloroplasts are generally 1–3 μm in diameter [1]."),
    ]),
    ("Chloroplast", "A typical chlorenchyma cell",
     "A typical chlorenchyma cell contains about 10 to 100 chloroplasts [1].", [
        ("swap-number", "A typical chlorenchyma cell contains about 5 to 8 chloroplasts [1]."),
    ]),
    ("Martin_Luther", "He left law school",
     "Luther entered a closed Augustinian cloister in Erfurt on 17 July 1505 [1].", [
        ("swap-date", "Luther entered a closed Augustinian cloister in Erfurt on 2 July 1505 [1]."),
        ("swap-place", "Luther entered a closed Augustinian cloister in Wittenberg on 17 July 1505 [1]."),
    ]),
    ("Martin_Luther", "Martin Luther married Katharina",
     "Luther had helped 12 nuns escape from the Nimbschen Cistercian convent in April 1523 [1].", [
        ("move-value", "Martin Luther married Katharina von Bora in April 1523 [1]."),
        ("swap-number", "Luther had helped 17 nuns escape from the Nimbschen Cistercian convent in April 1523 [1]."),
    ]),
    ("Intergovernmental_Panel_on_Climate_Change", "The previous chairs were",
     "Robert Watson became chair in 1997 [1].", [
        ("move-value", "Robert Watson became chair in 1988 [1]."),
    ]),
    ("Intergovernmental_Panel_on_Climate_Change", "The previous chairs were",
     "Rajendra K. Pachauri was elected chair in May 2002 [1].", [
        ("swap-name", "Bert Bolin was elected chair in May 2002 [1]."),
    ]),
    ("Intergovernmental_Panel_on_Climate_Change", "Korean economist Hoesung Lee",
     "Hoesung Lee has been the chair of the IPCC since October 8, 2015 [1].", [
        ("swap-date", "Hoesung Lee has been the chair of the IPCC since May 2002 [1]."),
    ]),
    ("Intergovernmental_Panel_on_Climate_Change", "On 1 February 2007",
     "On 1 February 2007 a study was published suggesting that temperatures and sea levels have been rising at or "
     "above the maximum rates [1].", [
        ("move-value", "In 2001 a study was published suggesting that temperatures and sea levels have been rising at "
                       "or above the maximum rates [1]."),
    ]),
]

# Written after the check was tuned and the test split above had been run (see docs/EVALUATION.md): a test
# set not seen while the check was built. Same articles as the test split, other sentences.
FRESH: list[tuple[str, str, str, list[tuple[str, str]]]] = [
    ("Amazon_rainforest", "The mean annual deforestation rate",
     "From 2000 to 2005 the mean annual deforestation rate was 22,392 km2 per year [1].", [
        ("move-value", "From 2000 to 2005 the mean annual deforestation rate was 19,018 km2 per year [1]."),
    ]),
    ("Amazon_rainforest", "The region is home to about 2.5",
     "The region is home to about 2.5 million insect species [1].", [
        ("move-value", "The region is home to about 2,000 insect species [1]."),
    ]),
    ("Sky_United_Kingdom", "On 8 February 2007",
     "On 8 February 2007 BSkyB announced its intention to replace its three free-to-air digital terrestrial "
     "channels [1].", [
        ("move-value", "On 8 February 2007 BSkyB announced its intention to replace its four free-to-air digital "
                       "terrestrial channels [1]."),
        ("swap-date", "On 18 November 2015 BSkyB announced its intention to replace its three free-to-air digital "
                      "terrestrial channels [1]."),
    ]),
    ("Scottish_Parliament", "Following a referendum in 1997",
     "The current Parliament was convened by the Scotland Act 1998 [1].", [
        ("move-value", "The current Parliament was convened by the Scotland Act 1997 [1]."),
    ]),
    ("Scottish_Parliament", "Following a referendum in 1997",
     "In 1997 the Scottish electorate voted for devolution in a referendum [1].", [
        ("move-value", "In 1998 the Scottish electorate voted for devolution in a referendum [1]."),
    ]),
    ("Scottish_Parliament", "Typically, ministers or party leaders",
     "Opening speakers are given between 5 and 20 minutes [1].", [
        ("move-value", "Succeeding speakers are given between 5 and 20 minutes [1]."),
    ]),
    ("Economic_inequality", "An October 2014 study by Credit Suisse",
     "An October 2014 study by Credit Suisse claims that the top 1% own nearly half of the world's wealth [1].", [
        ("swap-date", "A July 2014 study by Credit Suisse claims that the top 1% own nearly half of the world's "
                      "wealth [1]."),
    ]),
    ("Economic_inequality", "According to the New York Times on July 22",
     "According to the New York Times, the richest 1 percent in the United States own more wealth than the bottom "
     "90 percent [1].", [
        ("move-value", "According to the New York Times, the richest 90 percent in the United States own more wealth "
                       "than the bottom 1 percent [1]."),
    ]),
    ("Victoria_and_Albert_Museum", "European examples include a dormer window",
     "A dormer window from the chateau of Montal is dated 1523–35 [1].", [
        ("swap-date", "A dormer window from the chateau of Montal is dated 1527–28 [1]."),
    ]),
    ("Victoria_and_Albert_Museum", "A computer system called MODES",
     "The MODES cataloging system was used from the 1980s to the 1990s [1].", []),
    ("Victoria_and_Albert_Museum", "A computer system called MODES",
     "The electronic files were not available to the library users [1].", [
        ("drop-negation", "The electronic files were available to the library users [1]."),
    ]),
    ("Pharmacy", "In Japan, at the end of the Asuka period", "The Nara period lasted from 710 to 794 [1].", [
        ("move-value", "The Asuka period lasted from 710 to 794 [1]."),
    ]),
    ("Pharmacy", "In Japan, at the end of the Asuka period",
     "In Japan, the men who fulfilled roles similar to those of modern pharmacists were highly respected [1].", [
        ("drop-negation", "In Japan, the men who fulfilled roles similar to those of modern pharmacists were not "
                          "respected [1]."),
    ]),
    ("Steam_engine", "By 1883, engines that could provide",
     "By 1883 engines that could provide 10,000 hp had become feasible [1].", []),
    ("Steam_engine", "The best examples of Newcomen designs",
     "The best examples of Newcomen designs had a duty of about 7 million [1].", [
        ("move-value", "The best examples of Newcomen designs had a duty of about 5 million [1]."),
    ]),
    ("Steam_engine", "The best examples of Newcomen designs", "Most Newcomen designs were closer to 5 million [1].", [
        ("move-value", "Most Newcomen designs were closer to 7 million [1]."),
    ]),
    ("Steam_engine", "The adoption of compounding",
     "Compounding was not universally popular in railway locomotives [1].", [
        ("drop-negation", "Compounding was universally popular in railway locomotives [1]."),
    ]),
    ("Southern_California", "With over 22 million people",
     "Southern California contains roughly 60 percent of California's population [1].", []),
    ("Southern_California", "\"Southern California\" is not a formal",
     "Southern California is not a formal geographic designation [1].", [
        ("drop-negation", "Southern California is a formal geographic designation [1]."),
    ]),
    ("Chloroplast", "About 0.3–0.8% of the nuclear DNA",
     "In plants, 11–14% of the nuclear DNA is from the chloroplast [1].", [
        ("move-value", "In plants, 0.3–0.8% of the nuclear DNA is from the chloroplast [1]."),
    ]),
    ("Martin_Luther", "He later attributed his decision",
     "On 2 July 1505 he was returning to university on horseback [1].", [
        ("swap-date", "On 17 July 1505 he was returning to university on horseback [1]."),
    ]),
    ("Martin_Luther", "It was not until January 1518",
     "Friends of Luther translated the 95 Theses from Latin into German in January 1518 [1].", [
        ("drop-negation", "Friends of Luther did not translate the 95 Theses from Latin into German in January "
                          "1518 [1]."),
    ]),
    ("Intergovernmental_Panel_on_Climate_Change", "They judge that global mean",
     "Global mean surface air temperature has increased by 0.3 to 0.6 °C over the last 100 years [1].", []),
]

# A second such set, written after the last change to the check (and after the first set had been run).
FRESH2: list[tuple[str, str, str, list[tuple[str, str]]]] = [
    ("Martin_Luther", "On 19 October 1512", "On 19 October 1512 he was awarded his Doctor of Theology [1].", [
        ("move-value", "On 21 October 1512 he was awarded his Doctor of Theology [1]."),
    ]),
    ("Martin_Luther", "On 19 October 1512",
     "On 21 October 1512 he was received into the senate of the theological faculty of the University of "
     "Wittenberg [1].", [
        ("move-value", "On 19 October 1512 he was received into the senate of the theological faculty of the "
                       "University of Wittenberg [1]."),
    ]),
    ("Martin_Luther", "He sent Martin to Latin schools", "Martin was sent to school in Magdeburg in 1497 [1].", [
        ("swap-place", "Martin was sent to school in Eisenach in 1497 [1]."),
    ]),
    ("Martin_Luther", "In 1501, at the age of 19",
     "In 1501, at the age of 19, he entered the University of Erfurt [1].", [
        ("swap-number", "In 1501, at the age of 17, he entered the University of Erfurt [1]."),
    ]),
    ("Steam_engine", "Denis Papin, a Huguenot refugee",
     "Denis Papin first used a piston to raise weights in 1690 [1].", [
        ("move-value", "Denis Papin first used a piston to raise weights in 1679 [1]."),
    ]),
    ("Steam_engine", "Denis Papin, a Huguenot refugee", "Denis Papin worked on the steam digester in 1679 [1].", [
        ("move-value", "Denis Papin worked on the steam digester in 1690 [1]."),
    ]),
    ("Steam_engine", "Watt's original low-pressure designs",
     "Watt's original low-pressure designs could deliver duty as high as 25 million [1].", [
        ("move-value", "Watt's original low-pressure designs could deliver duty as high as 17 million [1]."),
    ]),
    ("Scottish_Parliament", "Of the 129 MSPs",
     "73 of the 129 MSPs are elected to represent first past the post constituencies [1].", [
        ("move-value", "129 of the 73 MSPs are elected to represent first past the post constituencies [1]."),
    ]),
    ("Scottish_Parliament", "The first meeting of the new Parliament",
     "The first meeting of the new Parliament took place on 12 May 1999 [1].", [
        ("swap-date", "The first meeting of the new Parliament took place on 1 March 1979 [1]."),
    ]),
    ("Victoria_and_Albert_Museum", "In 2002, the Museum acquired",
     "In 2002 the Museum acquired the Costiff collection of 178 Vivienne Westwood costumes [1].", []),
    ("Victoria_and_Albert_Museum", "One of the first significant gifts of costume",
     "In 1913 the V&A received the Talbot Hughes collection of 1,442 costumes as a gift from Harrods [1].", [
        ("swap-name", "In 1913 the V&A received the Costiff collection of 1,442 costumes as a gift from Harrods [1]."),
    ]),
    ("Victoria_and_Albert_Museum", "Among the finest examples are the Meissen",
     "The Möllendorff Dinner Service was designed in 1762 by Frederick II the Great [1].", [
        ("move-value", "The Meissen Vulture was designed in 1762 by Frederick II the Great [1]."),
    ]),
    ("Victoria_and_Albert_Museum", "Among the finest examples are the Meissen",
     "The Meissen Vulture dates from 1731 [1].", [
        ("move-value", "The Möllendorff Dinner Service dates from 1731 [1]."),
    ]),
    ("Economic_inequality", "More recently, in January 2015",
     "In January 2015 Oxfam reported that the wealthiest 1 percent will own more than half of the global wealth by "
     "2016 [1].", [
        ("move-value", "In 2016 Oxfam reported that the wealthiest 1 percent will own more than half of the global "
                       "wealth [1]."),
    ]),
    ("Economic_inequality", "According to Johnson, Smeeding",
     "Consumption inequality was lower in 2001 than in 1986 [1].", [
        ("move-value", "Consumption inequality was lower in 1986 than in 2001 [1]."),
    ]),
    ("Intergovernmental_Panel_on_Climate_Change", "In 2001, 16 national science",
     "In 2001, 16 national science academies issued a joint statement on climate change [1].", [
        ("drop-negation", "In 2001, 16 national science academies did not issue a joint statement on climate "
                          "change [1]."),
    ]),
    ("Southern_California", "The San Diego Yacht Club held",
     "The San Diego Yacht Club held the America's Cup from 1988 to 1995 [1].", [
        ("drop-negation", "The San Diego Yacht Club never held the America's Cup [1]."),
    ]),
    ("Southern_California", "The San Diego Yacht Club held",
     "The San Diego Yacht Club hosted three America's Cup races [1].", [
        ("swap-number", "The San Diego Yacht Club hosted twelve America's Cup races [1]."),
    ]),
    ("Sky_United_Kingdom", "The BBC was given the highlights",
     "BSkyB paid £304m for the Premier League rights [1].", [
        ("move-value", "The BBC paid £304m for the Premier League rights [1]."),
    ]),
]

# A third such set, written after the changes made once the second had been run.
FRESH3: list[tuple[str, str, str, list[tuple[str, str]]]] = [
    ("Amazon_rainforest", "This basin encompasses 7,000,000",
     "The rainforest covers 5,500,000 square kilometres of the basin [1].", [
        ("move-value", "The rainforest covers 7,000,000 square kilometres of the basin [1]."),
    ]),
    ("Amazon_rainforest", "The majority of the forest is contained", "Peru has 13% of the rainforest [1].", [
        ("move-value", "Colombia has 13% of the rainforest [1]."),
    ]),
    ("Amazon_rainforest", "The majority of the forest is contained", "Brazil contains 60% of the rainforest [1].", [
        ("move-value", "Peru contains 60% of the rainforest [1]."),
    ]),
    ("Amazon_rainforest", "The Amazon represents over half",
     "The Amazon has an estimated 390 billion individual trees [1].", [
        ("move-value", "The Amazon has an estimated 16,000 individual trees [1]."),
    ]),
    ("Sky_United_Kingdom", "BSkyB's digital service was officially launched",
     "BSkyB's digital service was launched on 1 October 1998 under the name Sky Digital [1].", [
        ("swap-date", "BSkyB's digital service was launched on 1 March 2007 under the name Sky Digital [1]."),
    ]),
    ("Sky_United_Kingdom", "The failure to renew the existing carriage",
     "Virgin Media removed the basic channels from the network on 1 March 2007 [1].", [
        ("swap-name", "NTL removed the basic channels from the network on 1 March 2007 [1]."),
    ]),
    ("Chloroplast", "Palisade mesophyll cells can contain",
     "Palisade mesophyll cells can contain 30–70 chloroplasts per cell [1].", [
        ("move-value", "Stomatal guard cells can contain 30–70 chloroplasts per cell [1]."),
    ]),
    ("Chloroplast", "This origin of chloroplasts was first suggested",
     "Konstantin Mereschkowski first suggested this origin of chloroplasts in 1905 [1].", [
        ("move-value", "Konstantin Mereschkowski first suggested this origin of chloroplasts in 1883 [1]."),
        ("swap-name", "Andreas Schimper first suggested this origin of chloroplasts in 1905 [1]."),
    ]),
    ("Chloroplast", "Its existence was first proved in 1962", "Its existence was first proved in 1962 [1].", [
        ("move-value", "Its existence was first proved in 1986 [1]."),
    ]),
    ("Pharmacy", "In Europe there are old pharmacies", "The pharmacy in Dubrovnik opened in 1317 [1].", [
        ("move-value", "The pharmacy in Tallinn opened in 1317 [1]."),
    ]),
    ("Victoria_and_Albert_Museum", "The Jameel Gallery of Islamic Art",
     "The Jameel Gallery of Islamic Art opened in 2006 [1].", []),
    ("Victoria_and_Albert_Museum", "The Jameel Gallery of Islamic Art",
     "The Jameel Gallery houses a display of 400 objects [1].", [
        ("swap-number", "The Jameel Gallery houses a display of 6000 objects [1]."),
    ]),
    ("Victoria_and_Albert_Museum", "The glass collection covers", "The glass collection has over 6000 items [1].", [
        ("move-value", "The glass collection has over 4000 items [1]."),
    ]),
    ("Martin_Luther", "The Emperor presented the final draft",
     "The Emperor presented the final draft of the Edict of Worms on 25 May 1521 [1].", []),
    ("Martin_Luther", "The Emperor presented the final draft", "The Edict of Worms declared Luther an outlaw [1].", [
        ("drop-negation", "The Edict of Worms did not declare Luther an outlaw [1]."),
    ]),
    ("Economic_inequality", "Economist Thomas Piketty challenges",
     "Thomas Piketty claims that from 1914 to 1945 wars reduced inequality [1].", [
        ("drop-negation", "Thomas Piketty claims that from 1914 to 1945 wars did not reduce inequality [1]."),
    ]),
    ("Economic_inequality", "Lawrence Katz estimates",
     "Lawrence Katz estimates that trade accounted for only 5-15% of rising income inequality [1].", []),
    ("Southern_California", "In southern California there are also twelve",
     "Southern California has 34 cities with over 100,000 people [1].", [
        ("move-value", "Southern California has 34 cities with more than 200,000 residents [1]."),
    ]),
    ("Southern_California", "In southern California there are also twelve",
     "Southern California has twelve cities with more than 200,000 residents [1].", []),
    ("Southern_California", "These are the Greater Los Angeles Area",
     "The Greater Los Angeles Area has 17,786,419 people [1].", [
        ("move-value", "San Diego–Tijuana has 17,786,419 people [1]."),
    ]),
    ("Martin_Luther", "On 13 June 1525, the couple", "The couple was engaged on 13 June 1525 [1].", [
        ("swap-date", "The couple was engaged on 17 February 1546 [1]."),
    ]),
]


def _path(source: str) -> Path:
    return ROOT / (source if source.startswith("seeds/") else f"eval/squad/articles/{source}.txt")


def _sentence(text: str, prefix: str) -> str:
    found = [text[s:e] for s, e in split_sentences(text, max_chars=100_000) if text[s:e].startswith(prefix)]
    if len(found) != 1:
        raise SystemExit(f"{prefix!r}: {len(found)} sentences start so")
    return found[0]


def build() -> list[dict]:
    rows: list[dict] = []
    for k, (source, prefix, claim, bad) in enumerate(ITEMS + FRESH + FRESH2 + FRESH3, start=1):
        name = Path(source).stem if source.startswith("seeds/") else source
        split = "dev" if source.startswith("seeds/") or name in DEV else "test" if name in TEST else None
        if split is None:
            raise SystemExit(f"{source}: in neither split")
        text = _path(source).read_text(encoding="utf-8")
        quote = _sentence(text, prefix)
        assert quote in text
        cid = f"c{k:03d}"
        file = source if source.startswith("seeds/") else f"eval/squad/articles/{source}.txt"
        base = {"split": split, "source": file, "quote": quote}
        if k > len(ITEMS):  # written after tuning; each set was looked at (and the check changed) after its first run
            base["fresh"] = 1 + (k > len(ITEMS) + len(FRESH)) + (k > len(ITEMS) + len(FRESH) + len(FRESH2))
        rows.append({"id": cid, **base, "claim": claim, "label": "supported", "corruption": None, "of": None})
        for j, (kind, wrong) in enumerate(bad):
            rows.append({"id": f"{cid}{'abcdefgh'[j]}", **base, "claim": wrong, "label": "corrupted",
                         "corruption": kind, "of": cid})
    return rows


if __name__ == "__main__":
    rows = build()
    out = Path(__file__).with_name("corrupted.jsonl")
    out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    for split in ("dev", "test"):
        part = [r for r in rows if r["split"] == split]
        print(split, sum(r["label"] == "supported" for r in part), "correct,",
              sum(r["label"] == "corrupted" for r in part), "corrupted")
