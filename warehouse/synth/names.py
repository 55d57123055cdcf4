"""Embedded word lists for realistic but fictitious text: learner names, places, companies, titles.

Kept in the package (no download, no extra dependency) so the generator is offline and deterministic.
Names are common US given names and surnames; companies are invented (no real ineligible company is
named, so synthetic support figures are never mistaken for a real company's).
"""

from __future__ import annotations


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


GIVEN_NAMES = _words("""
James Mary John Patricia Robert Jennifer Michael Linda William Elizabeth David Barbara Richard Susan
Joseph Jessica Thomas Sarah Charles Karen Christopher Lisa Daniel Nancy Matthew Betty Anthony Margaret
Mark Sandra Donald Ashley Steven Kimberly Paul Emily Andrew Donna Joshua Michelle Kenneth Carol Kevin
Amanda Brian Dorothy George Melissa Timothy Deborah Ronald Stephanie Edward Rebecca Jason Sharon Jeffrey
Laura Ryan Cynthia Jacob Kathleen Gary Amy Nicholas Angela Eric Shirley Jonathan Anna Stephen Brenda
Larry Pamela Justin Emma Scott Nicole Brandon Helen Benjamin Samantha Samuel Katherine Gregory Christine
Alexander Debra Frank Rachel Patrick Carolyn Raymond Janet Jack Catherine Dennis Maria Jerry Heather
Tyler Diane Aaron Ruth Jose Julie Adam Olivia Nathan Joyce Henry Virginia Douglas Victoria Zachary Kelly
Peter Lauren Kyle Christina Ethan Joan Walter Evelyn Noah Judith Jeremy Megan Christian Andrea Keith
Cheryl Roger Hannah Terry Jacqueline Gerald Martha Harold Gloria Sean Teresa Austin Ann Carl Sara Arthur
Madison Lawrence Frances Dylan Kathryn Jesse Janice Jordan Jean Bryan Abigail Billy Alice Joe Judy Bruce
Sophia Gabriel Grace Logan Denise Albert Amber Willie Doris Alan Marilyn Juan Danielle Wayne Beverly
Elijah Isabella Randy Theresa Roy Diana Vincent Natalie Ralph Brittany Eugene Charlotte Russell Marie
Bobby Kayla Mason Alexis Philip Lori Louis Priya Wei Mohammed Ahmed Ravi Anil Sanjay Mei Hiroshi Yuki
Carlos Luis Miguel Sofia Camila Alejandro Fatima Aisha Omar Hassan Raj Deepa Vikram Jin Min Kwame
Chinedu Ngozi Amit Neha Arjun Lakshmi Ana Rosa Elena Ivan Olga Irina Dmitri Yusuf Leila Nadia Tariq
Sunil Anjali Kiran Rohan Meera Hyun Soo Jae Linh Thanh Minh Hui Xin Ming Kofi Ama Emeka Adaeze
""")

SURNAMES = _words("""
Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez
Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark
Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Green Adams Nelson
Baker Hall Rivera Campbell Mitchell Carter Roberts Gomez Phillips Evans Turner Diaz Parker Cruz Edwards
Collins Reyes Stewart Morris Morales Murphy Cook Rogers Gutierrez Ortiz Morgan Cooper Peterson Bailey
Reed Kelly Howard Ramos Kim Cox Ward Richardson Watson Brooks Chavez Wood James Bennett Gray Mendoza
Ruiz Hughes Price Alvarez Castillo Sanders Patel Myers Long Ross Foster Jimenez Powell Jenkins Perry
Russell Sullivan Bell Coleman Butler Henderson Barnes Gonzales Fisher Vasquez Simmons Romero Jordan
Patterson Alexander Hamilton Graham Reynolds Griffin Wallace Moreno West Cole Hayes Bryant Herrera
Gibson Ellis Tran Medina Aguilar Stevens Murray Ford Castro Marshall Owens Harrison Fernandez McDonald
Woods Washington Kennedy Wells Vargas Henry Chen Freeman Webb Tucker Guzman Burns Crawford Olson Simpson
Porter Hunter Gordon Mendez Silva Shaw Snyder Mason Dixon Munoz Hunt Hicks Holmes Palmer Wagner Black
Robertson Boyd Rose Stone Salazar Fox Warren Mills Meyer Rice Schmidt Garza Daniels Ferguson Nichols
Stephens Soto Weaver Ryan Gardner Payne Grant Dunn Kelley Spencer Hawkins Arnold Pierce Vazquez Hansen
Peters Santos Hart Bradley Knight Elliott Cunningham Duncan Armstrong Hudson Carroll Lane Riley Andrews
Alvarado Ray Delgado Berry Perkins Hoffman Johnston Matthews Pena Richards Contreras Willis Carpenter
Lawrence Sandoval Guerrero George Chapman Rios Estrada Ortega Watkins Greene Nunez Wheeler Valdez Harper
Burke Larson Santiago Maldonado Morrison Franklin Carlson Austin Dominguez Carr Lawson Jacobs O'Brien
Lynch Singh Vega Bishop Montgomery Oliver Jensen Harvey Williamson Gilbert Dean Sims Espinoza Howell Li
Wong Reid Hanson Le McCoy Garrett Burton Fuller Wang Weber Welch Rojas Lucas Marquez Fields Park Yang
Little Banks Padilla Day Walsh Bowman Schultz Luna Fowler Mejia Davidson Acosta Brewer May Holland
Juarez Newman Pearson Curtis Cortez Douglas Schneider Joseph Barrett Navarro Figueroa Keller Avila Wade
Molina Stanley Hopkins Campos Barnett Bates Chambers Caldwell Beck Lambert Miranda Byrd Craig Ayala
Lowe Frazier Powers Neal Leonard Gregory Carrillo Sutton Fleming Rhodes Shelton Schwartz Norris Jennings
Watts Duran Walters Cohen McDaniel Moran Parks Steele Vaughn Becker Holt Barker Hale Benson Haynes
Horton Miles Lyons Pham Graves Bush Thornton Wolfe Warner Cabrera McKinney Mann Zimmerman Dawson Lara
Fletcher Page McCarthy Love Robles Cervantes Solis Erickson Reeves Chang Klein Salinas Fuentes Baldwin
Simon Velasquez Hardy Higgins Aguirre Lin Cummings Chandler Sharp Barber Bowen Ochoa Robbins Liu Ramsey
Francis Griffith Blair O'Connor Cardenas Pacheco Cross Calderon Quinn Moss Swanson Chan Khan Serrano
Fitzgerald Stevenson Christensen Manning Gill Curry McLaughlin Harmon Gross Doyle Garner Newton Burgess
Reese Walton Blake Goodman Webster Goodwin Fischer Huang Potter Montoya Todd Wu Hines Mullins Malone
Cannon Tate Sherman Hubbard Zhang Guerra Wolf Saunders Franco Rowe Gallagher Farmer Hammond Townsend
Ingram Wise Clarke Barton Maxwell Waters Logan Strickland Norman Parsons Glover Osborne Buchanan Shah
Choi Ali Kaur Ahmed Cohen-Levy Rahman Okafor Mensah Nakamura Tanaka Suzuki Yamamoto Kowalski Novak
""")

#: USPS code -> full name (recognized accreditors are state medical societies, spec §2).
STATE_NAMES = dict(
    item.split(":")
    for item in """
AL:Alabama AK:Alaska AZ:Arizona AR:Arkansas CA:California CO:Colorado CT:Connecticut DE:Delaware
FL:Florida GA:Georgia HI:Hawaii ID:Idaho IL:Illinois IN:Indiana IA:Iowa KS:Kansas KY:Kentucky
LA:Louisiana ME:Maine MD:Maryland MA:Massachusetts MI:Michigan MN:Minnesota MS:Mississippi MO:Missouri
MT:Montana NE:Nebraska NV:Nevada NH:New_Hampshire NJ:New_Jersey NM:New_Mexico NY:New_York
NC:North_Carolina ND:North_Dakota OH:Ohio OK:Oklahoma OR:Oregon PA:Pennsylvania RI:Rhode_Island
SC:South_Carolina SD:South_Dakota TN:Tennessee TX:Texas UT:Utah VT:Vermont VA:Virginia WA:Washington
WV:West_Virginia WI:Wisconsin WY:Wyoming DC:District_of_Columbia AS:American_Samoa GU:Guam
MP:Northern_Mariana_Islands PR:Puerto_Rico VI:Virgin_Islands
""".split()
)
STATE_NAMES = {k: v.replace("_", " ") for k, v in STATE_NAMES.items()}

#: Cities by state; the first is the usual seat of providers. Rough population weight per state in
#: millions follows the code (why: providers and activities cluster where people live).
CITIES_BY_STATE: dict[str, tuple[float, tuple[str, ...]]] = {}
for _item in """
AL 5.0 Birmingham,Montgomery,Huntsville,Mobile|AK 0.7 Anchorage,Fairbanks,Juneau
AZ 7.3 Phoenix,Tucson,Scottsdale,Mesa|AR 3.0 Little_Rock,Fayetteville,Fort_Smith
CA 39.0 Los_Angeles,San_Francisco,San_Diego,Sacramento,Oakland,Irvine,Palo_Alto,Fresno
CO 5.8 Denver,Aurora,Colorado_Springs,Boulder|CT 3.6 Hartford,New_Haven,Stamford,Farmington
DE 1.0 Wilmington,Dover,Newark|FL 22.0 Miami,Orlando,Tampa,Jacksonville,Gainesville,Fort_Lauderdale
GA 10.9 Atlanta,Augusta,Savannah,Macon|HI 1.4 Honolulu,Hilo|ID 1.9 Boise,Idaho_Falls,Coeur_d'Alene
IL 12.6 Chicago,Springfield,Peoria,Evanston,Maywood|IN 6.8 Indianapolis,Fort_Wayne,Evansville
IA 3.2 Des_Moines,Iowa_City,Cedar_Rapids|KS 2.9 Wichita,Kansas_City,Topeka|KY 4.5 Louisville,Lexington
LA 4.6 New_Orleans,Baton_Rouge,Shreveport|ME 1.4 Portland,Bangor,Lewiston
MD 6.2 Baltimore,Bethesda,Rockville,Columbia|MA 7.0 Boston,Worcester,Springfield,Cambridge
MI 10.0 Detroit,Ann_Arbor,Grand_Rapids,Lansing,Royal_Oak|MN 5.7 Minneapolis,Rochester,Saint_Paul,Duluth
MS 2.9 Jackson,Hattiesburg,Tupelo|MO 6.2 St._Louis,Kansas_City,Columbia,Springfield
MT 1.1 Billings,Missoula,Great_Falls|NE 2.0 Omaha,Lincoln|NV 3.2 Las_Vegas,Reno
NH 1.4 Manchester,Lebanon,Concord|NJ 9.3 Newark,New_Brunswick,Hackensack,Camden,Princeton
NM 2.1 Albuquerque,Santa_Fe,Las_Cruces|NY 19.6 New_York,Rochester,Buffalo,Albany,Syracuse,Bronx,Valhalla
NC 10.7 Charlotte,Durham,Chapel_Hill,Raleigh,Winston-Salem|ND 0.8 Fargo,Bismarck,Grand_Forks
OH 11.8 Cleveland,Columbus,Cincinnati,Toledo,Dayton,Akron|OK 4.0 Oklahoma_City,Tulsa
OR 4.2 Portland,Eugene,Salem|PA 13.0 Philadelphia,Pittsburgh,Hershey,Danville,Allentown
RI 1.1 Providence,Warwick|SC 5.3 Charleston,Columbia,Greenville|SD 0.9 Sioux_Falls,Rapid_City
TN 7.0 Nashville,Memphis,Knoxville,Chattanooga|TX 30.0 Houston,Dallas,San_Antonio,Austin,Fort_Worth,Galveston,Lubbock
UT 3.4 Salt_Lake_City,Provo,Ogden|VT 0.6 Burlington,Montpelier|VA 8.7 Richmond,Norfolk,Charlottesville,Roanoke,Fairfax
WA 7.8 Seattle,Spokane,Tacoma,Bellevue|WV 1.8 Morgantown,Charleston,Huntington
WI 5.9 Milwaukee,Madison,Green_Bay,La_Crosse|WY 0.6 Cheyenne,Casper|DC 0.7 Washington
AS 0.05 Pago_Pago|GU 0.17 Hagatna|MP 0.05 Saipan|PR 3.2 San_Juan,Ponce,Mayaguez|VI 0.1 Charlotte_Amalie
""".replace("\n", "|").split("|"):
    if _item.strip():
        _code, _pop, _cities = _item.split()
        CITIES_BY_STATE[_code] = (float(_pop), tuple(c.replace("_", " ") for c in _cities.split(",")))

#: Cities abroad (ISO alpha-3 country): courses held abroad and the few providers outside the USA.
FOREIGN_CITIES: tuple[tuple[str, str], ...] = (
    ("Toronto", "CAN"),
    ("Vancouver", "CAN"),
    ("Montreal", "CAN"),
    ("London", "GBR"),
    ("Paris", "FRA"),
    ("Cancun", "MEX"),
    ("Barcelona", "ESP"),
    ("Rome", "ITA"),
    ("Vienna", "AUT"),
    ("Dubai", "ARE"),
    ("Singapore", "SGP"),
    ("Amsterdam", "NLD"),
    ("Munich", "DEU"),
    ("Lisbon", "PRT"),
    ("Tokyo", "JPN"),
)

SPECIALTIES = (
    "Cardiology",
    "Oncology",
    "Internal Medicine",
    "Pediatrics",
    "Family Medicine",
    "Anesthesiology",
    "Surgery",
    "Orthopaedics",
    "Dermatology",
    "Neurology",
    "Psychiatry",
    "Radiology",
    "Pathology",
    "Emergency Medicine",
    "Obstetrics and Gynecology",
    "Gastroenterology",
    "Endocrinology",
    "Nephrology",
    "Pulmonary Medicine",
    "Rheumatology",
    "Infectious Diseases",
    "Hematology",
    "Urology",
    "Ophthalmology",
    "Otolaryngology",
    "Critical Care",
    "Geriatrics",
    "Palliative Care",
    "Sleep Medicine",
    "Allergy and Immunology",
    "Hospital Medicine",
    "Thoracic Surgery",
    "Vascular Surgery",
    "Physical Medicine",
    "Sports Medicine",
    "Addiction Medicine",
    "Pain Medicine",
)

TOPICS = (
    "Heart Failure",
    "Atrial Fibrillation",
    "Type 2 Diabetes",
    "Hypertension",
    "Breast Cancer",
    "Lung Cancer",
    "Safe Opioid Prescribing",
    "Sepsis",
    "COPD",
    "Asthma",
    "Chronic Kidney Disease",
    "Multiple Sclerosis",
    "Migraine",
    "Depression",
    "Anxiety Disorders",
    "Obesity",
    "Osteoporosis",
    "Rheumatoid Arthritis",
    "Psoriasis",
    "HIV Prevention",
    "Hepatitis C",
    "Adult Immunization",
    "Acute Stroke",
    "Alzheimer Disease",
    "Parkinson Disease",
    "Chronic Pain",
    "Patient Safety",
    "Antimicrobial Stewardship",
    "Health Equity",
    "Telehealth",
    "Physician Well-being",
    "Pediatric Asthma",
    "Prenatal Care",
    "Sleep Apnea",
    "Thyroid Disease",
    "Lipid Management",
    "Anticoagulation",
    "Prostate Cancer",
    "Colorectal Cancer Screening",
    "Melanoma",
    "Cancer Immunotherapy",
    "Substance Use Disorders",
    "Medical Ethics",
    "Quality Improvement",
    "Diagnostic Imaging",
    "Trauma Care",
    "Point-of-Care Ultrasound",
    "Inflammatory Bowel Disease",
    "Valvular Heart Disease",
    "Cardio-Oncology",
    "Long COVID",
    "Maternal Health",
    "Suicide Prevention",
    "End-of-Life Care",
    "Genomic Medicine",
    "Sickle Cell Disease",
    "Lupus",
    "Gout",
    "Anemia",
    "Heart Rhythm Disorders",
    "Pediatric Emergencies",
    "Wound Care",
    "Hospital-Acquired Infections",
)

#: Title templates by activity type: (prefix, suffix, uses specialty instead of topic).
TITLE_TEMPLATES: dict[str, tuple[tuple[str, str, bool], ...]] = {
    "C": (
        ("", " Update", False),
        ("Advances in ", "", False),
        ("Annual ", " Symposium", False),
        ("Current Concepts in ", "", False),
        ("", " Review Course", True),
        ("", " Summit", False),
        ("Practical Approaches to ", "", False),
        ("", " Board Review", True),
    ),
    "RSS": (
        ("", " Grand Rounds", True),
        ("", " Tumor Board", True),
        ("", " Case Conference", True),
        ("Morbidity and Mortality Conference: ", "", True),
        ("", " Journal Club", True),
    ),
    "IL": (("Webinar: ", "", False), ("Live Online: ", "", False), ("Virtual Town Hall on ", "", False)),
    "EM": (("", " Monograph", False), ("Clinical Update on ", "", False), ("", " Pocket Guide", False)),
    "IEM": (
        ("", ": An Online Module", False),
        ("Case Challenges in ", "", False),
        ("", " Podcast Series", False),
        ("", " Essentials", False),
        ("Expert Perspectives on ", "", False),
    ),
    "JN": (("Journal CME: ", "", False), ("", ": Journal-based Review", True)),
    "MR": (("Manuscript Review: ", "", True),),
    "TIW": (("Item Writing: ", " Examination", True),),
    "CML": (("Committee on ", "", False), ("", " Guideline Committee", True)),
    "PI": (("Improving ", " Outcomes: A PI-CME Project", False),),
    "ISL": (("Point-of-Care Learning: ", "", True),),
    "LFT": (("Learning from Teaching: ", "", True),),
    "OTH": (("Blended Learning: ", "", False), ("", " Simulation Workshop", False)),
}

#: Invented ineligible companies (stems x kinds).
_COMPANY_STEMS = _words("""
Alderon Bexley Corvane Dunmore Elvaris Fenwick Galvia Halcyon Ivoria Jantera Kestrel Lumira Meridan
Novexa Orlanth Pravion Quillon Rendal Solvara Tavira Ulmera Veltris Wrenfield Xandor Yarrow Zephyra
""")
_COMPANY_KINDS = (
    "Pharmaceuticals",
    "Therapeutics",
    "Biosciences",
    "Medical Devices",
    "Diagnostics",
    "Biologics",
    "Health",
)
SUPPORTER_NAMES = tuple(
    f"{stem} {_COMPANY_KINDS[(i * 3 + j) % len(_COMPANY_KINDS)]}"
    for j in range(3)
    for i, stem in enumerate(_COMPANY_STEMS)
)

#: Stems for organization names (publishers, foundations, plans).
ORG_STEMS = _words("""
Pinnacle Summit Horizon Clarity Keystone Northstar Vertex Catalyst Insight Beacon Atlas Compass
Evergreen Momentum Paragon Apex Meridian Cornerstone Lighthouse Bridgewater Harbor Sterling Cascade
Frontier Heritage Liberty Pioneer Unity Vanguard Crescent Aurora Sequoia Juniper Granite Riverbend
""")

REJECTION_REASONS = (
    "Learner not found in board records",
    "Board ID does not match learner name",
    "Birth date does not match board records",
    "Duplicate completion for this activity",
    "Credit type not registered for this activity",
    "Learner not enrolled in MOC program",
    "Completion reported after board deadline",
)

#: Practice areas offered per board in MOC registrations (spec: free-text list).
PRACTICE_AREAS: dict[str, tuple[str, ...]] = {
    "ABIM": (
        "Internal Medicine",
        "Cardiovascular Disease",
        "Gastroenterology",
        "Nephrology",
        "Pulmonary Disease",
        "Hospital Medicine",
        "Infectious Disease",
        "Medical Oncology",
    ),
    "ABA": ("Anesthesiology", "Pain Medicine", "Critical Care Medicine", "Pediatric Anesthesiology"),
    "ABP": (
        "General Pediatrics",
        "Neonatal-Perinatal Medicine",
        "Pediatric Cardiology",
        "Pediatric Emergency Medicine",
    ),
    "ABPath": ("Anatomic Pathology", "Clinical Pathology", "Cytopathology", "Hematopathology"),
    "ABS": ("General Surgery", "Vascular Surgery", "Pediatric Surgery", "Surgical Critical Care"),
    "ABOS": ("Orthopaedic Surgery", "Orthopaedic Sports Medicine", "Surgery of the Hand"),
    "ABOHNS": ("Otolaryngology", "Sleep Medicine", "Neurotology"),
    "ABTS": ("Thoracic Surgery", "Cardiac Surgery", "Congenital Cardiac Surgery"),
}
